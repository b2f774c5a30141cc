from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.core.i18n import lazy_text
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
        notify(user=profile.user, kind="courier", text=lazy_text(gettext_lazy("You are approved to deliver with %(site)s."), site=settings.SOKO_SITE_NAME), url=reverse("couriers:home"))
    else:
        notify(user=profile.user, kind="courier", text=gettext_lazy("Your courier application was not approved."), url=reverse("couriers:apply"))
    return profile
