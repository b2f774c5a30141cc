import pytest
from django.core.management import call_command

from shop.catalog.models import Product
from shop.demo.services.moderation import REPORTERS
from shop.moderation.models import Case, Complaint, Report, Takedown

pytestmark = pytest.mark.django_db


def test_the_demo_staff_find_a_reported_listing_and_a_complaint_waiting_for_the_store(demo):
    case = Case.objects.get()
    product = case.target
    assert isinstance(product, Product) and product.store.slug == "kaloum-electronique"
    # Reported by every demo shopper and the courier, below the threshold: still on sale.
    assert case.open_reporters == len(REPORTERS) == Report.objects.filter(case=case, status="open").count()
    assert case.status == Case.Status.OPEN and not Takedown.objects.exists() and product.is_visible

    complaint = Complaint.objects.get()
    assert (complaint.filed_by.email, complaint.status, complaint.waiting_for) == (
        "buyer@soko.test", Complaint.Status.AWAITING_REPLY, Complaint.Side.STORE
    )
    assert [m.side for m in complaint.messages.all()] == ["buyer", "staff"]

    call_command("seed_demo")  # twice: nothing more
    assert (Report.objects.count(), Complaint.objects.count()) == (len(REPORTERS), 1)
