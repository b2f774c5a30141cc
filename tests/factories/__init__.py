import time

import factory
import pyotp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from couriers.models import CourierProfile
from sellers.models import Store, StoreMember
from shop.notifications.models import Notification

PASSWORD = "soko-test-pass-123"
# An authenticator code is good for its 30-second window only; a test types one with at
# least this long left, so a slow page cannot carry it into the next window.
TOTP_MARGIN_SECONDS = 10


def totp_code(secret: str) -> str:
    """The code an authenticator app shows for ``secret`` now, waiting for the next window
    when too little of this one is left for the code to arrive in it."""
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left)
    return totp.now()


# The tests' hashers (tests/conftest.py): fast, where production's cost ~0.3 s a hash.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_password_hashes: dict[tuple, str] = {}


def password_hash(password: str) -> str:
    """``password`` hashed by the first configured hasher, once per hasher and process:
    tests against a fresh production process keep PBKDF2's million rounds, and a test
    making fifty users would otherwise spend seconds hashing the same password."""
    key = (password, tuple(settings.PASSWORD_HASHERS))
    if key not in _password_hashes:
        _password_hashes[key] = make_password(password)
    return _password_hashes[key]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("name")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.password = password_hash(extracted or PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """Staff have an authenticator app, as the admin requires: ``totp=<secret>`` picks
        its secret, ``totp=False`` leaves it out; others get one only when asked."""
        if create and extracted is not False and (extracted or obj.is_staff):
            TOTP.activate(obj, extracted or generate_totp_secret())


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")
    phone = "+254 712 000 000"
    area_label = "Westlands, Nairobi"

    @factory.post_generation
    def owner(store, create, extracted, **kwargs):
        if create:
            StoreMember.objects.create(store=store, user=extracted or UserFactory(), role=StoreMember.Role.OWNER)


class CourierProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourierProfile

    user = factory.SubFactory(UserFactory)
    phone = "+254 733 000 000"
    vehicle = CourierProfile.Vehicle.MOTORBIKE
    service_area = "Kilimani, Nairobi"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "system"
    text = factory.Sequence(lambda n: f"Something happened #{n}")
