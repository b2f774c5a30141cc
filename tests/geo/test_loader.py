"""Staff load the shipped area trees so shoppers can pick where they live."""

import pytest
from django.core.management import CommandError, call_command

from shop.geo.models import Area, AreaKind

pytestmark = pytest.mark.django_db

GUINEA_PREFECTURES = {
    "Boké": ["Boffa", "Boké", "Fria", "Gaoual", "Koundara"],
    "Faranah": ["Dabola", "Dinguiraye", "Faranah", "Kissidougou"],
    "Kankan": ["Kankan", "Kouroussa", "Kérouané", "Mandiana", "Siguiri"],
    "Kindia": ["Coyah", "Dubréka", "Forécariah", "Kindia", "Télimélé"],
    "Labé": ["Koubia", "Labé", "Lélouma", "Mali", "Tougué"],
    "Mamou": ["Dalaba", "Mamou", "Pita"],
    "Nzérékoré": ["Beyla", "Guéckédou", "Lola", "Macenta", "Nzérékoré", "Yomou"],
}
CONAKRY_QUARTIERS = {
    "Kaloum": ["Almamya", "Boulbinet", "Coronthie", "Sandervalia", "Tombo"],
    "Dixinn": ["Belle-Vue", "Camayenne", "Dixinn Centre", "Landréah"],
    "Matam": ["Bonfi", "Hermakono", "Madina"],
    "Matoto": ["Gbessia", "Matoto Centre", "Sangoyah", "Yimbaya"],
    "Ratoma": ["Kaporo", "Kipé", "Lambanyi", "Nongo", "Taouyah"],
}


def kind_counts(country: Area) -> dict[str, int]:
    regions = Area.objects.filter(parent=country)
    districts = Area.objects.filter(parent__parent=country)
    neighbourhoods = Area.objects.filter(parent__parent__parent=country)
    assert set(regions.values_list("kind", flat=True)) <= {AreaKind.REGION}
    assert set(districts.values_list("kind", flat=True)) <= {AreaKind.DISTRICT}
    assert set(neighbourhoods.values_list("kind", flat=True)) <= {AreaKind.NEIGHBOURHOOD}
    return {"regions": regions.count(), "districts": districts.count(), "neighbourhoods": neighbourhoods.count()}


def names(areas) -> list[str]:
    return sorted(area.name for area in areas)


def test_guinea_loads_its_regions_prefectures_communes_and_quartiers():
    call_command("load_areas", country=["GN"])

    guinea = Area.objects.get(parent=None, code="GN")
    assert guinea.name == "Guinea"
    assert kind_counts(guinea) == {"regions": 8, "districts": 33 + 5, "neighbourhoods": 21}
    assert names(Area.objects.filter(parent=guinea)) == [
        "Boké", "Conakry", "Faranah", "Kankan", "Kindia", "Labé", "Mamou", "Nzérékoré"
    ]
    for region_name, prefectures in GUINEA_PREFECTURES.items():
        region = Area.objects.get(parent=guinea, name=region_name)
        assert names(Area.objects.filter(parent=region)) == sorted(prefectures)
    conakry = Area.objects.get(parent=guinea, name="Conakry")
    assert conakry.code == "GN-C"
    assert names(Area.objects.filter(parent=conakry)) == sorted(CONAKRY_QUARTIERS)
    for commune_name, quartiers in CONAKRY_QUARTIERS.items():
        commune = Area.objects.get(parent=conakry, name=commune_name)
        assert names(Area.objects.filter(parent=commune)) == sorted(quartiers)
    assert Area.objects.get(parent__parent=conakry, slug="kipe").full_name == "Kipé, Ratoma, Conakry, Guinea"


def test_kenya_loads_47_counties_and_nairobi_estates_under_the_city():
    call_command("load_areas", country=["KE"])

    kenya = Area.objects.get(parent=None, code="KE")
    assert kind_counts(kenya) == {"regions": 47, "districts": 1, "neighbourhoods": 9}
    counties = Area.objects.filter(parent=kenya)
    assert counties.count() == 47
    assert sorted(counties.values_list("code", flat=True)) == [f"KE-{n:02d}" for n in range(1, 48)]
    assert {"Mombasa", "Kisumu", "Nakuru", "Uasin Gishu", "Murang'a", "Nairobi"} <= set(names(counties))
    nairobi_city = Area.objects.get(parent__parent=kenya, slug="nairobi")
    assert nairobi_city.parent.name == "Nairobi"
    assert names(Area.objects.filter(parent=nairobi_city)) == [
        "CBD", "Eastlands", "Karen", "Kileleshwa", "Kilimani", "Lavington", "Parklands", "South B", "Westlands"
    ]
    assert Area.objects.get(slug="westlands").full_name == "Westlands, Nairobi, Nairobi, Kenya"


def test_pakistan_loads_provinces_territories_and_major_cities():
    call_command("load_areas", country=["PK"])

    pakistan = Area.objects.get(parent=None, code="PK")
    assert kind_counts(pakistan) == {"regions": 7, "districts": 17, "neighbourhoods": 0}
    cities = {
        region.name: names(Area.objects.filter(parent=region)) for region in Area.objects.filter(parent=pakistan)
    }
    assert cities == {
        "Azad Jammu and Kashmir": ["Muzaffarabad"],
        "Balochistan": ["Gwadar", "Quetta"],
        "Gilgit-Baltistan": ["Gilgit"],
        "Islamabad Capital Territory": ["Islamabad"],
        "Khyber Pakhtunkhwa": ["Abbottabad", "Mardan", "Peshawar"],
        "Punjab": ["Faisalabad", "Gujranwala", "Lahore", "Multan", "Rawalpindi", "Sialkot"],
        "Sindh": ["Hyderabad", "Karachi", "Sukkur"],
    }


def test_running_the_loader_twice_creates_nothing_new(capsys):
    call_command("load_areas")
    first = Area.objects.count()
    assert first == 68 + 58 + 25
    ids = set(Area.objects.values_list("id", flat=True))

    call_command("load_areas")

    assert Area.objects.count() == first
    assert set(Area.objects.values_list("id", flat=True)) == ids
    second_run = capsys.readouterr().out.splitlines()[-3:]
    assert second_run == [
        "Guinea (GN): 8 regions, 38 districts, 21 neighbourhoods — 0 created, 0 updated, 68 unchanged.",
        "Kenya (KE): 47 regions, 1 district, 9 neighbourhoods — 0 created, 0 updated, 58 unchanged.",
        "Pakistan (PK): 7 regions, 17 districts, 0 neighbourhoods — 0 created, 0 updated, 25 unchanged.",
    ]


def test_reloading_restores_coordinates_a_staff_member_broke_without_duplicating(capsys):
    call_command("load_areas", country=["GN"])
    kindia = Area.objects.get(parent__code="GN", slug="kindia")
    Area.objects.filter(pk=kindia.pk).update(latitude=None, longitude=None)

    call_command("load_areas", country=["GN"])

    kindia.refresh_from_db()
    assert (float(kindia.latitude), float(kindia.longitude)) == (10.0569, -12.8658)
    assert Area.objects.count() == 68
    assert "0 created, 1 updated, 67 unchanged" in capsys.readouterr().out


def test_loading_one_country_leaves_the_others_out():
    call_command("load_areas", country=["gn"])

    assert list(Area.objects.filter(parent=None).values_list("code", flat=True)) == ["GN"]


def test_an_unknown_country_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="No area data for 'XX'; available: GN, KE, PK"):
        call_command("load_areas", country=["GN", "XX"])

    assert not Area.objects.exists()
