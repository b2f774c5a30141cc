"""The courier's phone pages under /courier/: the job board and my deliveries, a job with
its map, the scanner, earnings; and the buyer's cash confirmation and courier rating."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.core.htmx import render_page
from shop.core.permissions import capability_required
from shop.core.refusals import REFUSED_STATUS, refused
from shop.geo.selectors.areas import map_settings
from shop.orders.responses import buyer_order_response
from shop.orders.selectors.orders import order_get_for_buyer
from shop.payments.payouts.couriers import courier_balances

from .forms import AvailabilityForm, CourierProfileForm
from .models import CourierProfile, DeliveryJob
from .selectors import (
    courier_refusal,
    earnings_by_week,
    job_get_for_buyer,
    job_get_for_courier,
    jobs_active_for_courier,
    jobs_open_for_courier,
    ratings_recent,
    return_cash_to_collect,
    user_is_courier,
)
from .services import (
    CourierError,
    cash_confirm_buyer,
    cash_confirm_courier,
    courier_location_share,
    courier_rate,
    job_accept,
    job_code_typed,
    job_release,
    scan_read,
)

courier_required = capability_required(
    lambda user: user_is_courier(user=user),
    lambda user: courier_refusal(user=user).message,
    action=lambda user: courier_refusal(user=user).action,
)


@login_required
def apply(request):
    profile = CourierProfile.objects.filter(user=request.user).first()
    if profile and profile.status == CourierProfile.Status.APPROVED:
        return redirect("couriers:home")
    form = CourierProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile.user = request.user
        profile.status = CourierProfile.Status.PENDING
        profile.save()
        form.save_m2m()
        messages.success(request, _("Thanks! Staff will review your courier profile; we will notify you."))
        return redirect("couriers:apply")
    return render(request, "couriers/apply.html", {"form": form, "profile": profile})


def _location(request) -> tuple[str | None, str | None]:
    """Where the courier said it is (the board's "near me"), when both numbers are sane."""
    latitude, longitude = request.GET.get("lat"), request.GET.get("lng")
    try:
        if latitude and longitude and abs(float(latitude)) <= 90 and abs(float(longitude)) <= 180:
            return latitude, longitude
    except ValueError:
        pass
    return None, None


@courier_required
@require_GET
def home(request):
    """The board: open jobs in the courier's areas (live), and my deliveries."""
    profile = request.user.courier_profile
    latitude, longitude = _location(request)
    jobs = list(jobs_open_for_courier(user=request.user, latitude=latitude, longitude=longitude)[:50])
    mine = list(jobs_active_for_courier(user=request.user))
    context = {
        "profile": profile,
        "jobs": jobs,
        "mine": mine,
        "near_me": latitude is not None,
        "areas": list(profile.areas.select_related("parent")),
        "availability_form": AvailabilityForm(instance=profile),
    }
    return render_page(request, "couriers/home.html", context, fragment="board")


@courier_required
@require_POST
def availability(request):
    form = AvailabilityForm(request.POST, instance=request.user.courier_profile)
    if form.is_valid():
        form.save()
        messages.success(
            request, _("You are now %(state)s.") % {"state": form.instance.get_availability_display().lower()}
        )
    else:
        messages.error(request, _("Choose available, busy or off duty."))
    return redirect("couriers:home")


@courier_required
@require_GET
def job_detail(request, job_id: int):
    job = job_get_for_courier(user=request.user, job_id=job_id)
    return render(request, "couriers/job.html", _job_context(job))


def _job_context(job: DeliveryJob) -> dict:
    return {
        "job": job,
        "order": job.for_order,
        "cash_to_collect": return_cash_to_collect(job),
        "map": map_settings(),
        "location_seconds": settings.SOKO_COURIER_LOCATION_SECONDS,
    }


def _job_refused(request, job_id: int, form: str, error: CourierError):
    """The job's page again (for htmx, its live part, out of band), 422: the code or the
    amount the courier typed is in its field, with why it was refused."""
    job = job_get_for_courier(user=request.user, job_id=job_id)
    context = {**_job_context(job), "refused": refused(request, form, error)}
    if request.htmx:
        response = render(request, "couriers/job.html#live", {**context, "oob": True}, status=REFUSED_STATUS)
        response["HX-Reswap"] = "none"
        return response
    return render(request, "couriers/job.html", context, status=REFUSED_STATUS)


def _go(request, url: str):
    """After a POST: the page again (its messages with it); an htmx form (one that arrived
    over the socket) is told to load it."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _done(request, job_id: int | None = None):
    return _go(request, reverse("couriers:job", args=[job_id]) if job_id is not None else reverse("couriers:home"))


@courier_required
@require_POST
def job_accept_view(request, job_id: int):
    try:
        job = job_accept(job_id=job_id, courier=request.user)
    except CourierError as error:
        if request.htmx:
            return _accept_refused(request, job_id, error)
        messages.error(request, str(error))
        return redirect("couriers:home")
    if job.is_return:
        messages.success(request, _("The job is yours. Collect the return from the buyer, then bring it to the store."))
    else:
        messages.success(request, _("The job is yours. Pick the order up at %(store)s.") % {"store": job.store.name})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("couriers:job", args=[job.pk])
        return response
    return redirect("couriers:job", job.pk)


def _accept_refused(request, job_id: int, error: CourierError) -> HttpResponse:
    """The htmx answer to an accept that lost: a job gone from this courier's board (taken,
    or no longer in their areas) says why where its card, or its page's next step, stood
    (a polite status, announced once); any other refusal (off duty) leaves it and says why
    in a toast."""
    context = {"job_id": int(job_id), "reason": str(error), "text": str(error), "tone": "error"}
    if error.reason not in ("taken", "not_visible"):
        response = HttpResponse(render_to_string("couriers/_job_gone.html#toast", context, request=request))
        response["HX-Reswap"] = "none"
        return response
    part = "live" if request.htmx.target == f"job-live-{int(job_id)}" else "card"
    return HttpResponse(render_to_string(f"couriers/_job_gone.html#{part}", context, request=request))


@courier_required
@require_POST
def job_release_view(request, job_id: int):
    job = job_get_for_courier(user=request.user, job_id=job_id)
    try:
        job_release(job=job, courier=request.user)
    except CourierError as error:
        messages.error(request, str(error))
        return _done(request, job.pk)
    messages.success(request, _("You gave the job back."))
    return _done(request)


@courier_required
@require_POST
def job_code(request, job_id: int):
    """The typed fallback on a job's page: the pickup code, then the buyer's code (for a
    return pickup: the buyer's pickup code, then the store's drop-off code)."""
    job = job_get_for_courier(user=request.user, job_id=job_id)
    try:
        job = job_code_typed(courier=request.user, job=job, code=request.POST.get("code", ""))
    except CourierError as error:
        return _job_refused(request, job.pk, "code", error)
    messages.success(request, _scan_news(job))
    return _done(request, job.pk)


def _scan_news(job: DeliveryJob) -> str:
    if job.is_return and job.status == DeliveryJob.Status.PICKED_UP:
        return _("Collected the return of order %(number)s. Bring it to %(store)s.") % {
            "number": job.for_order.number,
            "store": job.store.name,
        }
    if job.is_return:
        return _("Returned goods of order %(number)s delivered to the store. Thank you!") % {
            "number": job.for_order.number
        }
    if job.status == DeliveryJob.Status.PICKED_UP:
        return _("Picked up order %(number)s. The buyer knows it is on its way.") % {"number": job.order.number}
    if job.status == DeliveryJob.Status.AT_DOOR:
        return _("Code accepted. Collect the cash, then confirm the amount.")
    return _("Delivered order %(number)s. Thank you!") % {"number": job.order.number}


@courier_required
def scan(request):
    """The scanner: the phone's camera reads a package label or a buyer's QR code, and the
    text is posted here (a typed code goes to the job's page)."""
    if request.method == "POST":
        try:
            job = scan_read(courier=request.user, text=request.POST.get("code", ""))
        except CourierError as error:
            messages.error(request, str(error))
            return redirect("couriers:scan")
        messages.success(request, _scan_news(job))
        return redirect("couriers:job", job.pk)
    mine = list(jobs_active_for_courier(user=request.user))
    return render(request, "couriers/scan.html", {"mine": mine})


@courier_required
@require_POST
def job_cash(request, job_id: int):
    job = job_get_for_courier(user=request.user, job_id=job_id)
    try:
        job = cash_confirm_courier(job=job, courier=request.user, amount=request.POST.get("amount", ""))
    except CourierError as error:
        return _job_refused(request, job.pk, "cash", error)
    if job.status == DeliveryJob.Status.DELIVERED:
        messages.success(request, _scan_news(job))
    else:
        messages.info(request, _("Thank you. Waiting for the buyer to confirm on their phone."))
    return _done(request, job.pk)


@courier_required
@require_POST
def job_location(request, job_id: int):
    job = job_get_for_courier(user=request.user, job_id=job_id)
    try:
        courier_location_share(
            job=job, courier=request.user, latitude=request.POST.get("lat"), longitude=request.POST.get("lng")
        )
    except CourierError as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)


@courier_required
@require_GET
def job_live(request, job_id: int):
    """The job's live part, re-read when the page's socket (re)connects."""
    job = job_get_for_courier(user=request.user, job_id=job_id)
    return render(request, "couriers/job.html#live", {**_job_context(job), "oob": True})


@courier_required
@require_GET
def earnings(request):
    return render(
        request,
        "couriers/earnings.html",
        {
            "weeks": earnings_by_week(user=request.user),
            "balances": courier_balances(request.user.pk),
            "profile": request.user.courier_profile,
            "ratings": ratings_recent(user=request.user),
        },
    )


# The buyer's side of a courier delivery (linked from the order page) -------------------


@login_required
@require_POST
def buyer_cash_confirm(request, number: str):
    job = job_get_for_buyer(user=request.user, number=number)
    try:
        job = cash_confirm_buyer(job=job, buyer=request.user)
    except CourierError as error:
        messages.error(request, str(error))
    else:
        if job.status == DeliveryJob.Status.DELIVERED:
            messages.success(request, _("Thank you! Your order is delivered."))
        else:
            messages.info(request, _("Thank you. Waiting for the courier to confirm the cash."))
    return _go(request, reverse("orders:detail", args=[number]))


@login_required
@require_POST
def buyer_courier_rate(request, number: str):
    job = job_get_for_buyer(user=request.user, number=number)
    try:
        courier_rate(
            job=job, buyer=request.user, stars=request.POST.get("stars"), comment=request.POST.get("comment", "")
        )
    except CourierError as error:
        order = order_get_for_buyer(user=request.user, number=number)
        return buyer_order_response(request, order, refused=refused(request, "courier_rating", error))
    messages.success(request, _("Thank you for rating your courier."))
    return _go(request, reverse("orders:detail", args=[number]))
