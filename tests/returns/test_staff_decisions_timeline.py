"""A staff ruling reads as the staff's decision on every timeline of the return (the
buyer's page, the store's page, the API): refunding a disputed return is not the store
receiving the items again, and each other ruling says it was staff's."""

import pytest

from returns import services
from returns.models import ReturnStatus
from returns.services import return_approve, return_escalate, return_receive, return_reject, return_request_create
from shop.api.serializers.returns import ReturnEventSerializer
from tests.factories import UserFactory
from tests.html import dom

from .conftest import member

pytestmark = pytest.mark.django_db
S = ReturnStatus


def asked(order):
    item = order.items.order_by("id").first()
    return return_request_create(order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged")


def disputed(order):
    request = return_approve(request=asked(order), actor=member(order), method="drop_off")
    request = return_receive(request=request, actor=member(order))
    return services.return_dispute(request=request, actor=member(order), text="Scratched all over")


def escalated(order):
    request = return_reject(request=asked(order), actor=member(order), reason="Worn")
    return return_escalate(request=request, buyer=order.buyer, text="It was never worn")


def dispute_refunded(order, staff):
    return services.return_dispute_decide(request=disputed(order), staff=staff, refund=True, note="Scratches are wear")


def dispute_rejected(order, staff):
    return services.return_dispute_decide(request=disputed(order), staff=staff, refund=False, note="Scratches are wear")


def escalation_approved(order, staff):
    return services.return_decide(request=escalated(order), staff=staff, approve=True, note="Scratches are wear")


def escalation_rejected(order, staff):
    return services.return_decide(request=escalated(order), staff=staff, approve=False, note="Scratches are wear")


def timeline(client, url) -> list[str]:
    return [step.text for step in dom(client.get(url).content.decode()).all("[data-testid=return-timeline] li")]


@pytest.mark.parametrize(
    ("decide", "decision", "after"),
    [
        (dispute_refunded, "Decided by Soko staff: refund", ["Refunded"]),
        (dispute_rejected, "Decided by Soko staff: reject", []),
        (escalation_approved, "Decided by Soko staff: approve", []),
        (escalation_rejected, "Decided by Soko staff: reject", []),
    ],
    ids=["dispute-refund", "dispute-reject", "escalation-approve", "escalation-reject"],
)
def test_a_staff_ruling_reads_as_the_staffs_decision_on_every_timeline(
    client, cash_order, decide, decision, after, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ret = decide(cash_order, UserFactory(is_staff=True))

    client.force_login(cash_order.buyer)
    buyer_steps = timeline(client, f"/returns/{ret.pk}/")
    client.force_login(member(cash_order))
    store_steps = timeline(client, f"/dashboard/returns/{ret.pk}/")

    for steps in (buyer_steps, store_steps):
        ruling = next(index for index, step in enumerate(steps) if "Scratches are wear" in step)
        assert decision in steps[ruling] and "Soko staff" in steps[ruling]
        assert [step.split()[0] for step in steps[ruling + 1 :]] == after
        assert not any(f"{S.RECEIVED.label} " in step for step in steps[ruling:]), "staff received nothing"
    api_labels = [event["label"] for event in ReturnEventSerializer(ret.events.all(), many=True).data]
    assert decision in api_labels
    assert str(S.RECEIVED.label) not in api_labels[api_labels.index(decision) :]
