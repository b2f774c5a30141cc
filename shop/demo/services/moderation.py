"""Demo trust and safety for `manage.py seed_demo`, through the real services: a listing
reported by four demo shoppers (a case waiting in the staff queue, below the take-down
threshold), and the demo buyer's complaint about a delivered order, which support staff
answered by asking the store.

Idempotent: when the demo buyer has made any report, nothing is done.
"""

from django.contrib.auth import get_user_model

from shop.catalog.models import Product
from shop.demo.services.auctions import BIDDERS
from shop.demo.services.deliveries import BUYER_EMAIL, COURIER_EMAIL
from shop.moderation.complaints.services import complaint_file, complaint_staff_reply
from shop.moderation.models import Complaint, Report
from shop.moderation.reports.services import report_file
from shop.orders.models import Order, OrderStatus

REPORTED_STORE = "kaloum-electronique"
REPORTERS = [BUYER_EMAIL, COURIER_EMAIL, *(email for email, _name, _language in BIDDERS)]
REPORT = ("counterfeit", "The box and the serial number look fake; the price is far too low for the real thing.")
COMPLAINT = "The colours of the cloth are not the ones in the pictures, and the store has not answered my messages."
SUPPORT_EMAIL = "support@soko.test"


def seed_moderation() -> dict:
    users = get_user_model().objects.filter(email__in=[*REPORTERS, SUPPORT_EMAIL]).in_bulk(field_name="email")
    buyer = users.get(BUYER_EMAIL)
    if buyer is None or Report.objects.filter(reporter=buyer).exists():
        return {"new_reports": 0, "new_complaints": 0}

    product = Product.objects.visible().filter(store__slug=REPORTED_STORE).order_by("pk").first()
    reports = 0
    if product is not None:
        for email in REPORTERS:
            if email in users:
                report_file(reporter=users[email], target=product, reason=REPORT[0], text=REPORT[1])
                reports += 1

    complaints = 0
    order = (
        Order.objects.filter(buyer=buyer, status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED], complaints__isnull=True)
        .exclude(returns__isnull=False)
        .order_by("delivered_at", "pk")
        .first()
    )
    if order is not None:
        complaint = complaint_file(user=buyer, side="buyer", kind=Complaint.Kind.NOT_AS_DESCRIBED, text=COMPLAINT, order=order)
        complaints += 1
        if SUPPORT_EMAIL in users:
            complaint_staff_reply(
                complaint=complaint,
                staff=users[SUPPORT_EMAIL],
                text="Thank you. Could the store tell us which cloth was sent, with a photo of what is in stock?",
                ask=Complaint.Side.STORE,
            )
    return {"new_reports": reports, "new_complaints": complaints}
