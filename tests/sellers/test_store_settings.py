"""A seller edits the store's details in /dashboard/settings/ and sees them on /s/<slug>/ at once."""

from datetime import time
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sellers.models import Store, StoreHours
from shop.catalog.models import Category
from shop.media.models import StoredImage
from tests.factories import StoreFactory
from tests.factories.stores import places, settings_form_data, store_hours_week
from tests.html import dom

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded pictures land in a throwaway folder, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def where():
    return places()


@pytest.fixture
def store(where):
    return StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", area=where.westlands)


@pytest.fixture
def owner_client(client, store):
    client.force_login(store.memberships.get().user)
    return client


def png_upload(name="logo.png", size=(320, 320), colour=(15, 118, 110)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def save_settings(client, store, **changes):
    return client.post("/dashboard/settings/", settings_form_data(store, **changes))


def test_saving_the_form_as_shown_changes_nothing(owner_client, store):
    store_hours_week(store, closed_days=[6])
    before = Store.objects.filter(pk=store.pk).values().get()

    response = save_settings(owner_client, store)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/settings/"
    after = Store.objects.filter(pk=store.pk).values().get()
    assert {key: value for key, value in after.items() if key != "updated_at"} == {
        key: value for key, value in before.items() if key != "updated_at"
    }
    assert StoreHours.objects.filter(store=store).count() == 7


def test_each_field_the_seller_edits_shows_on_the_store_page_at_once(owner_client, store, where):
    crafts = Category.objects.get(slug="crafts")
    store.refresh_from_db()

    response = save_settings(
        owner_client,
        store,
        name="Mama Njeri Baskets",
        tagline="Handwoven in Kisii since 1998",
        description="Sisal baskets dyed with natural colours.",
        phone="+254 700 123 456",
        email="hello@mama-njeri.test",
        categories=[crafts.pk],
        tags="Baskets, #Sisal, baskets",
        area=where.kilimani,
        area_label="Yaya Centre, 2nd floor",
        latitude="-1.2921",
        longitude="36.7856",
        time_zone="Africa/Nairobi",
        x_handle="@MamaNjeri",
        discord="discord.gg/MamaNjeri",
        telegram="@mama_njeri",
        ens_name="MamaNjeri.eth",
        delivers_national=True,
        delivers_digital=True,
        hours=[("08:00", "18:00", False)] * 5 + [("09:00", "13:00", False), ("", "", True)],
    )
    assert response.status_code == 302

    page = owner_client.get("/s/mama-njeri-crafts/").content.decode()

    for shown in [
        "Mama Njeri Baskets",
        "Handwoven in Kisii since 1998",
        "Sisal baskets dyed with natural colours.",
        'href="tel:+254700123456"',
        "mailto:hello@mama-njeri.test",
        "Crafts",
        "#baskets",
        "#sisal",
        "Kilimani, Nairobi, Nairobi, Kenya",
        "Yaya Centre, 2nd floor",
        "mlat=-1.292100&amp;mlon=36.785600",
        "Times in Africa/Nairobi",
        "08:00 – 18:00",
        "09:00 – 13:00",
        'href="https://x.com/MamaNjeri"',
        'href="https://discord.gg/MamaNjeri"',
        'href="https://t.me/mama_njeri"',
        "mamanjeri.eth",
        "National",
        "Digital",
    ]:
        assert shown in page, shown
    store.refresh_from_db()
    assert store.tags == "baskets, sisal"
    assert store.latitude == Decimal("-1.292100")


def test_a_new_address_moves_the_store_page(owner_client, store):
    save_settings(owner_client, store, slug="Mama Njeri Baskets")

    assert owner_client.get("/s/mama-njeri-baskets/").status_code == 200
    assert owner_client.get("/s/mama-njeri-crafts/").status_code == 404


def test_the_logo_goes_through_the_media_pipeline_and_shows_on_the_store_page(
    owner_client, store, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/dashboard/settings/", {**settings_form_data(store), "logo_upload": png_upload()}
        )

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.logo.format == StoredImage.Format.PNG
    assert store.logo.status == StoredImage.Status.READY  # processed by the (inline) Huey task
    served = sorted(path.suffix for path in media_root.rglob("*") if path.is_file())
    assert served == [".jpg", ".jpg", ".webp", ".webp"]  # 160 and 320 px renditions; no original
    assert storages["originals"].exists(store.logo.original_name)
    page = owner_client.get("/s/mama-njeri-crafts/").content.decode()
    assert store.logo.srcset("webp") in page
    assert 'alt="Mama Njeri Crafts logo"' in page


def test_a_cover_picture_can_be_added_and_the_logo_removed(owner_client, store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/settings/", {**settings_form_data(store), "logo_upload": png_upload()})
        owner_client.post(
            "/dashboard/settings/",
            {**settings_form_data(store, remove_logo=True), "cover_upload": png_upload("cover.png", (1200, 400))},
        )

    store.refresh_from_db()
    assert store.logo is None
    assert (store.cover.width, store.cover.height) == (1200, 400)


def test_a_file_that_is_not_a_picture_is_refused_as_a_logo(owner_client, store, media_root):
    fake = SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")

    response = owner_client.post("/dashboard/settings/", {**settings_form_data(store), "logo_upload": fake})

    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP or GIF picture" in response.content.decode()
    assert not list(media_root.parent.rglob("*.*"))  # neither served files nor a private original
    store.refresh_from_db()
    assert store.logo is None


def test_the_verified_badge_and_counters_cannot_be_set_from_the_dashboard(owner_client, store):
    save_settings(owner_client, store, verified="on", rating_avg="5.00", rating_count="999", orders_count="999")

    store.refresh_from_db()
    assert (store.verified, store.rating_avg, store.rating_count, store.orders_count) == (False, 0, 0, 0)


def test_a_broken_form_keeps_the_store_as_it_was_and_says_what_to_fix(owner_client, store):
    response = save_settings(owner_client, store, name="", telegram="@abc")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some details need another look" in page
    assert "5 to 32 letters" in page
    assert Store.objects.get(pk=store.pk).name == "Mama Njeri Crafts"
    assert response.context["store"].name == "Mama Njeri Crafts"


def test_latitude_needs_a_longitude_and_both_must_be_on_earth(owner_client, store):
    response = save_settings(owner_client, store, latitude="-1.29", longitude="")
    assert "Give both latitude and longitude, or neither." in response.content.decode()

    response = save_settings(owner_client, store, latitude="91", longitude="36.8")
    assert response.context["form"].errors["latitude"] == ["Ensure this value is less than or equal to 90."]


def test_coordinates_from_a_phone_are_rounded_to_what_is_stored(owner_client, store):
    save_settings(owner_client, store, latitude="-1.29206590123", longitude="36.82194620987")

    store.refresh_from_db()
    assert (store.latitude, store.longitude) == (Decimal("-1.292066"), Decimal("36.821946"))


def test_an_unknown_time_zone_is_refused(owner_client, store):
    response = save_settings(owner_client, store, time_zone="Africa/Wakanda")

    assert "Africa/Wakanda is not one of the available choices" in response.content.decode()


def test_hours_need_both_times_or_closed_and_blank_days_are_left_unset(owner_client, store):
    rows = [("09:00", "17:00", False), ("09:00", "", False)] + [("", "", False)] * 5
    response = save_settings(owner_client, store, hours=rows)
    assert "Give both the opening and the closing time, or tick Closed." in response.content.decode()
    assert not store.hours.exists()

    rows = [("09:00", "17:00", False), ("22:00", "03:00", False), ("10:00", "", True)] + [("", "", False)] * 4
    save_settings(owner_client, store, hours=rows)

    assert [str(hours) for hours in store.hours.all()] == ["Monday: 09:00–17:00", "Tuesday: 22:00–03:00", "Wednesday: closed"]


def test_a_tampered_hours_form_with_a_day_twice_is_refused(owner_client, store):
    data = settings_form_data(store, hours=[("09:00", "17:00", False)] * 7)
    data["hours-6-weekday"] = "0"

    response = owner_client.post("/dashboard/settings/", data)

    assert "Give hours for each day of the week once." in response.content.decode()


def test_the_deepest_area_chosen_is_the_store_area(owner_client, store, where):
    data = settings_form_data(store, area=where.nairobi)
    save_settings(owner_client, store, area=where.nairobi)
    store.refresh_from_db()
    assert store.area == where.nairobi
    assert data["neighbourhood"] == ""

    save_settings(owner_client, store, area=where.guinea)
    store.refresh_from_db()
    assert store.area == where.guinea


def test_a_country_is_needed(owner_client, store):
    data = settings_form_data(store)
    data.update(country="", region="", district="", neighbourhood="")

    response = owner_client.post("/dashboard/settings/", data)

    assert "Choose the country you sell from." in response.content.decode()


def test_changing_the_country_without_javascript_asks_for_a_region_in_the_new_country(owner_client, store, where):
    data = settings_form_data(store)
    data["country"] = str(where.guinea.pk)  # the region, district and neighbourhood are still Kenyan

    response = owner_client.post("/dashboard/settings/", data)

    assert response.status_code == 200
    form = response.context["form"]
    assert "Choose a region in the area above" in form.errors["region"][0]
    assert list(form.fields["region"].queryset) == [where.conakry]
    store.refresh_from_db()
    assert store.area == where.westlands


def test_the_area_selects_ask_for_the_next_level_with_htmx(owner_client, store, where):
    page = owner_client.get("/dashboard/settings/").content.decode()

    assert dom(page).has('select[name=country][hx-get="/dashboard/settings/areas/"][hx-target="#id_region"]')
    form = owner_client.get("/dashboard/settings/").context["form"]
    assert form["country"].value() == where.kenya.pk
    assert form["neighbourhood"].value() == where.westlands.pk
    assert list(form.fields["neighbourhood"].queryset) == [where.kilimani, where.westlands]


def test_the_area_endpoint_returns_the_regions_of_a_country_and_empties_the_selects_below(owner_client, where):
    response = owner_client.get(f"/dashboard/settings/areas/?country={where.kenya.pk}", HTTP_HX_REQUEST="true")

    html = dom(response)
    regions = [(option.attr("value"), option.text) for option in html.children if option.name == "option"]
    assert regions[0] == ("", "—")
    assert (str(where.mombasa_county.pk), "Mombasa") in regions and (str(where.nairobi_county.pk), "Nairobi") in regions
    assert "Conakry" not in html.text
    assert html.one("select#id_district").attr("hx-swap-oob") == "innerHTML"
    assert html.one("select#id_neighbourhood").attr("hx-swap-oob") == "innerHTML"


def test_the_area_endpoint_lists_neighbourhoods_of_a_district_with_nothing_to_empty(owner_client, where):
    html = owner_client.get(f"/dashboard/settings/areas/?district={where.nairobi.pk}").content.decode()

    assert dom(html).count("option") == 3  # the blank one, Kilimani, Westlands
    assert not dom(html).has("[hx-swap-oob]")


@pytest.mark.parametrize("query", ["?country=", "?country=999999", "?region=abc", "?parent=", ""])
def test_the_area_endpoint_gives_an_empty_list_for_no_or_unknown_parents(owner_client, where, query):
    html = owner_client.get(f"/dashboard/settings/areas/{query}").content.decode()

    assert all(option.attr("value") == "" for option in dom(html).all("option"))


def test_the_map_uses_the_configured_tile_server_and_starts_at_the_store_area(owner_client, store, where, settings):
    settings.SOKO_MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"

    page = owner_client.get("/dashboard/settings/").content.decode()

    store_map = dom(page).one("#store-map")
    assert store_map.attr("data-tile-url") == "https://tiles.example.test/{z}/{x}/{y}.png"
    assert (store_map.attr("data-latitude"), store_map.attr("data-longitude")) == ("-1.267600", "36.810800")
    assert dom(page).has('script[src*="vendor/leaflet/leaflet.js"]')
    # Without JavaScript the map stays hidden and the number inputs do the work.
    assert store_map.attr("hidden") is not None
    assert dom(page).has("input[name=latitude]")


def test_a_store_open_around_the_clock_shows_open_now(owner_client, store):
    store.time_zone = "Africa/Nairobi"
    store.save()
    store_hours_week(store, opens=time(0), closes=time(0))

    page = owner_client.get("/s/mama-njeri-crafts/").content.decode()

    assert "Open now" in page
