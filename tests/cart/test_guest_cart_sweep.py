"""The hourly clean-up forgets abandoned guest carts and leaves everything else alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.tasks import guest_carts_forget_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_clean_up_deletes_only_old_guest_carts_and_is_safe_to_repeat(settings):
    settings.SOKO_GUEST_CART_DAYS = 30
    old_guest, fresh_guest = Cart.objects.create(), Cart.objects.create()
    old_account_cart = Cart.objects.create(user=UserFactory())
    long_ago = timezone.now() - timedelta(days=31)
    Cart.objects.filter(pk__in=[old_guest.pk, old_account_cart.pk]).update(updated_at=long_ago)

    first = guest_carts_forget_task.call_local()
    second = guest_carts_forget_task.call_local()

    assert (first, second) == (1, 0)
    assert set(Cart.objects.values_list("pk", flat=True)) == {fresh_guest.pk, old_account_cart.pk}
