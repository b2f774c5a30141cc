"""Demo data for `manage.py seed_demo`: the accounts of DESIGN.md, created idempotently."""

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from couriers.models import CourierProfile
from sellers.models import Store, StoreHours, StoreMember
from sellers.selectors import area_match_label
from sellers.services import store_currency_for_area
from shop.catalog.models import Category
from shop.core.models import CurrencyRate
from shop.geo.models import Area
from shop.geo.services import areas_load
from shop.moderation.services.roles import FINANCE, MODERATORS, SUPPORT, roles_sync
from shop.notifications.models import Notification

DEMO_PASSWORD = "soko-demo-123"

# (owner email, owner name, owner's language, store name, slug, phone, area)
DEMO_STORES = [
    ("seller@soko.test", "Amina Odhiambo", "", "Mama Njeri Crafts", "mama-njeri-crafts", "+254 712 345 678", "Westlands, Nairobi"),
    ("seller2@soko.test", "Mamadou Diallo", "fr", "Kaloum Électronique", "kaloum-electronique", "+224 622 12 34 56", "Kaloum, Conakry"),
    ("seller3@soko.test", "Ayesha Khan", "ur", "Anarkali Karigar", "anarkali-karigar", "+92 300 123 4567", "Lahore, Punjab"),
]


# What a store page shows beyond the basics; filled in where a demo store has nothing yet.
DEMO_STORE_PROFILES = {
    "mama-njeri-crafts": {
        "tagline": "Handwoven baskets, kikoi and beadwork from Kenyan artisans",
        "description": (
            "We work with twelve weavers and bead artists from Kisii to Kitengela. Every basket is "
            "made by hand from sisal and dyed with natural colours.\n\nCustom orders welcome: ask us on Telegram."
        ),
        "email": "hello@mama-njeri.soko.test",
        "tags": "baskets, kikoi, beadwork, handmade",
        "area_label": "Sarit Centre, ground floor",
        "latitude": Decimal("-1.261000"),
        "longitude": Decimal("36.802300"),
        "delivers_national": True,
        "delivers_international": True,
        "x_handle": "mamanjeri",
        "telegram": "mamanjeri_crafts",
        "discord": "mama.njeri",
        "ens_name": "mamanjeri.eth",
        "verified": True,
        "categories": ["crafts", "fashion"],
        "time_zone": "Africa/Nairobi",
        # Monday to Sunday: (opens, closes) or None when closed.
        "hours": [("08:00", "18:00")] * 5 + [("09:00", "16:00"), None],
    },
    "kaloum-electronique": {
        "tagline": "Phones, laptops and repairs in the heart of Kaloum",
        "description": "New and refurbished phones and laptops with a six-month warranty. Screen repairs while you wait.",
        "email": "contact@kaloum-electronique.soko.test",
        "tags": "phones, laptops, repairs, accessories",
        "area_label": "Avenue de la République",
        "latitude": Decimal("9.509200"),
        "longitude": Decimal("-13.712200"),
        "delivers_national": True,
        "telegram": "kaloum_electro",
        "discord": "https://discord.gg/kaloumtech",
        "categories": ["electronics", "services"],
        "time_zone": "Africa/Conakry",
        "hours": [("08:30", "20:00")] * 6 + [("10:00", "14:00")],
    },
    "anarkali-karigar": {
        "tagline": "ہاتھ کی کاریگری: کھسے، اجرک اور رلی، انارکلی بازار سے",
        "description": (
            "Handmade khussa, ajrak and ralli quilts from artisans in Lahore, Multan and Sindh. "
            "ہر چیز ہاتھ سے بنی ہے۔ آرڈر پر سائز بھی بنواتے ہیں۔"
        ),
        "email": "salam@anarkali-karigar.soko.test",
        "tags": "khussa, ajrak, ralli, handmade",
        "area_label": "Anarkali Bazaar",
        "latitude": Decimal("31.567800"),
        "longitude": Decimal("74.310600"),
        "delivers_national": True,
        "verified": True,
        "categories": ["fashion", "crafts"],
        "time_zone": "Asia/Karachi",
        "hours": [("11:00", "21:00")] * 4 + [("15:00", "21:00"), ("11:00", "22:00"), ("11:00", "22:00")],
    },
}


def _store_profile(store: Store, area_text: str) -> None:
    """Give a demo store its area, hours, categories and profile fields where it has none."""
    profile = dict(DEMO_STORE_PROFILES.get(store.slug, {}))
    categories, hours, time_zone = profile.pop("categories", []), profile.pop("hours", None), profile.pop("time_zone", None)
    changed = [field for field, value in profile.items() if not getattr(store, field) and value]
    for field in changed:
        setattr(store, field, profile[field])
    if store.area_id is None and (area := area_match_label(label=area_text)) is not None:
        store.area = area
        store.currency = store_currency_for_area(area)
        changed.extend(["area", "currency"])
    if hours and not store.hours.exists():
        if time_zone:
            store.time_zone = time_zone
            changed.append("time_zone")
        StoreHours.objects.bulk_create(
            StoreHours(store=store, weekday=weekday, closed=period is None, opens=period and period[0], closes=period and period[1])
            for weekday, period in enumerate(hours)
        )
    if changed:
        store.save(update_fields=[*changed, "updated_at"])
    if categories and not store.categories.exists():
        store.categories.set(Category.objects.filter(slug__in=categories))


def _areas() -> None:
    """The shipped area trees, so stores and addresses have places to pick (loaded once)."""
    if not Area.objects.filter(parent__isnull=True).exists():
        areas_load(country_codes=None)


def _account(email: str, name: str, **flags):
    user, created = get_user_model().objects.get_or_create(email=email, defaults={"display_name": name, **flags})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    _verified_email(user)
    return user


def _verified_email(user) -> None:
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


# Staff in one role each (the admin, like every staff account, first asks them to set up an
# authenticator app): (email, name, group).
DEMO_STAFF = [
    ("moderator@soko.test", "Neema Wafula", MODERATORS),
    ("support@soko.test", "Yusuf Camara", SUPPORT),
    ("finance@soko.test", "Farah Siddiqui", FINANCE),
]


def _staff_roles() -> None:
    """The staff groups with their permissions, and one demo staff member in each."""
    roles_sync()
    for email, name, role in DEMO_STAFF:
        user = _account(email, name, is_staff=True)
        user.groups.add(Group.objects.get(name=role))


@transaction.atomic
def seed_accounts() -> None:
    """The demo accounts, the two stores the sellers own and the approved courier."""
    admin = _account("admin@soko.test", "Soko Staff", is_staff=True, is_superuser=True)
    _staff_roles()
    _areas()
    for email, name, language, store_name, slug, phone, area in DEMO_STORES:
        owner = _account(email, name, language=language)
        store, _ = Store.objects.get_or_create(slug=slug, defaults={"name": store_name, "phone": phone})
        StoreMember.objects.get_or_create(store=store, user=owner, defaults={"role": StoreMember.Role.OWNER})
        _store_profile(store, area)
    courier = _account("courier@soko.test", "Kofi Mensah")
    CourierProfile.objects.get_or_create(
        user=courier,
        defaults={
            "phone": "+254 733 111 222",
            "vehicle": CourierProfile.Vehicle.MOTORBIKE,
            "service_area": "Westlands, Nairobi",
            "status": CourierProfile.Status.APPROVED,
            "reviewed_by": admin,
        },
    )
    # Staff-kept rates for the approximate conversions shoppers may ask for.
    for currency, per_usd in (("KES", "129.2"), ("GNF", "8650"), ("PKR", "281.5")):
        if not CurrencyRate.objects.filter(currency=currency).exists():
            CurrencyRate.objects.create(currency=currency, per_usd=Decimal(per_usd), as_of=timezone.localdate())
    buyer = _account("buyer@soko.test", "Wanjiru Kamau")
    Notification.objects.get_or_create(
        user=buyer, kind="system", text="Welcome to Soko! Your notifications appear here.", defaults={"url": "/"}
    )
