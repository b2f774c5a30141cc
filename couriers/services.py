from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shop.notifications.services import notify

from .models import CourierProfile


@transaction.atomic
def courier_profile_review(*, profile: CourierProfile, reviewer, approve: bool) -> CourierProfile:
    profile = CourierProfile.objects.select_for_update().get(pk=profile.pk)
    new_status = CourierProfile.Status.APPROVED if approve else CourierProfile.Status.REJECTED
    if profile.status == new_status:
        return profile
    profile.status = new_status
    profile.reviewed_at = timezone.now()
    profile.reviewed_by = reviewer
    profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    if approve:
        notify(user=profile.user, kind="courier", text="You are approved to deliver with Soko.", url=reverse("couriers:home"))
    else:
        notify(user=profile.user, kind="courier", text="Your courier application was not approved.", url=reverse("couriers:apply"))
    return profile
