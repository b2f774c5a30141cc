"""Demo data for `manage.py seed_demo`: the accounts of DESIGN.md, created idempotently."""

from django.contrib.auth import get_user_model
from django.db import transaction

from couriers.models import CourierProfile
from sellers.models import Store, StoreMember
from shop.notifications.models import Notification

DEMO_PASSWORD = "soko-demo-123"

DEMO_STORES = [
    ("seller@soko.test", "Amina Odhiambo", "Mama Njeri Crafts", "mama-njeri-crafts", "+254 712 345 678", "Westlands, Nairobi"),
    ("seller2@soko.test", "Mamadou Diallo", "Kaloum Électronique", "kaloum-electronique", "+224 622 12 34 56", "Kaloum, Conakry"),
]


def _account(email: str, name: str, **flags):
    user, created = get_user_model().objects.get_or_create(email=email, defaults={"display_name": name, **flags})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    _verified_email(user)
    return user


def _verified_email(user) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


@transaction.atomic
def seed_accounts() -> dict:
    admin = _account("admin@soko.test", "Soko Staff", is_staff=True, is_superuser=True)
    for email, name, store_name, slug, phone, area in DEMO_STORES:
        owner = _account(email, name)
        store, _ = Store.objects.get_or_create(slug=slug, defaults={"name": store_name, "phone": phone, "area": area})
        StoreMember.objects.get_or_create(store=store, user=owner, defaults={"role": StoreMember.Role.OWNER})
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
    buyer = _account("buyer@soko.test", "Wanjiru Kamau")
    Notification.objects.get_or_create(
        user=buyer, kind="system", text="Welcome to Soko! Your notifications appear here.", defaults={"url": "/"}
    )
    return {"users": get_user_model().objects.filter(email__endswith="@soko.test").count(), "stores": Store.objects.count()}
