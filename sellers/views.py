
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.catalog.services.page_cache import anonymous_page_cache
from shop.chain.node import chain_configured
from shop.core.htmx import render_page, wants_fragment
from shop.core.ids import id_or_none
from shop.core.refusals import REFUSED_STATUS
from shop.core.selectors.scripts import isolated_text

from .analytics.selectors.overview import store_overview
from .decorators import SWITCH_SECTIONS, current_store, dashboard_context, seller_required
from .ens import EnsVerificationError
from .forms import (
    EnsSignatureForm,
    HoursFormSet,
    StoreDirectoryForm,
    StoreInviteForm,
    StoreSettingsForm,
    StoreSetupForm,
)
from .hours import store_hours_change_next, store_is_open, store_week
from .selectors import (
    area_point,
    store_current_for_user,
    store_directory,
    store_directory_counts,
    store_ens_challenge_pending,
    store_for_owner,
    store_get_public,
    store_hours_rows,
    store_invite_by_token,
    store_invite_get_for_owner,
    store_is_favorite,
    store_member_get_for_owner,
    store_page_counts,
    store_photo_location_suggestion,
    store_products,
    store_team,
    user_is_seller,
)
from .services import (
    InviteError,
    TeamError,
    store_create,
    store_ens_message_issue,
    store_ens_verify,
    store_invite_accept,
    store_invite_cancel,
    store_invite_decline,
    store_location_from_photo,
    store_member_invite,
    store_member_remove,
    store_settings_save,
)
from .structured import store_preview_image, store_structured_data


@login_required
def setup(request):
    if user_is_seller(user=request.user):
        return redirect("sellers:dashboard")
    form = StoreSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        store = store_create(owner=request.user, **form.cleaned_data)
        messages.success(request, _("Welcome to %(site)s! %(name)s is ready.") % {"name": store.name, "site": settings.SOKO_SITE_NAME})
        return redirect("sellers:dashboard")
    return render(request, "sellers/setup.html", {"form": form, "store_url_prefix": _store_url_prefix(request)})


def _store_url_prefix(request) -> str:
    """The store page's address up to the slug: https://soko.example/s/"""
    return request.build_absolute_uri(reverse("stores:detail", args=["slug"])).removesuffix("slug/")


@seller_required(reading_post=True)
@require_POST
def store_switch(request):
    """Work on another store the user is on the team of; a store they are not on is a 404
    and changes nothing."""
    store_id = id_or_none(request.POST.get("store"))
    chosen = store_current_for_user(user=request.user, store_id=store_id)
    if store_id is None or chosen is None or chosen.store.pk != store_id:
        raise Http404(_("You are not on that store's team."))
    current = current_store(request, switch_to=store_id)
    messages.info(request, _("You are now working on %(store)s.") % {"store": isolated_text(current.store.name)})
    section = request.POST.get("section", "")
    return redirect(f"sellers:{section if section in SWITCH_SECTIONS else 'dashboard'}")


@seller_required
def dashboard(request):
    current = current_store(request)
    store = current.store
    context = {
        **dashboard_context(request, current),
        "team": store_team(store=store)["members"],
        "photo_location": store_photo_location_suggestion(store=store),
        "overview": store_overview(store=store, now=timezone.now()),
    }
    return render(request, "sellers/dashboard.html", context)


@seller_required
@require_POST
def location_from_photo(request):
    store = current_store(request).store
    if store_location_from_photo(store=store, image_id=request.POST.get("image")):
        messages.success(request, _("Your store's map pin now sits where that photo was taken."))
    return redirect("sellers:dashboard")


@seller_required
def settings_edit(request):
    current = current_store(request)
    store = current.store
    form = StoreSettingsForm(request.POST or None, request.FILES or None, instance=store)
    hours = HoursFormSet(request.POST or None, initial=store_hours_rows(store=store), prefix="hours")
    if request.method == "POST":
        form_ok, hours_ok = form.is_valid(), hours.is_valid()
        if form_ok and hours_ok:
            store_settings_save(
                store=form.instance,
                categories=form.cleaned_data["categories"],
                logo=form.cleaned_data["logo_upload"],
                remove_logo=form.cleaned_data["remove_logo"],
                cover=form.cleaned_data["cover_upload"],
                remove_cover=form.cleaned_data["remove_cover"],
                hours=hours.opening_hours(),
            )
            messages.success(request, _("Store details saved; your store page shows them now."))
            return redirect("sellers:settings")
        # The form wrote the invalid values onto the instance; show the saved store beside it.
        store.refresh_from_db()
    return _settings_page(request, current, form=form, hours=hours)


def _settings_page(request, current, *, form, hours, ens_form=None, ens_refusal: str = ""):
    """The settings page; ``ens_form``: the signature check refused (422), kept as pasted
    beside ``ens_refusal``, why."""
    store = current.store
    context = {
        **dashboard_context(request, current),
        "form": form,
        "hours": hours,
        "map": _map_settings(store),
        "store_url_prefix": _store_url_prefix(request),
        "ens": {**_ens_verification(request, store, form=ens_form), "refusal": ens_refusal},
    }
    return render(request, "sellers/settings.html", context, status=REFUSED_STATUS if ens_refusal else None)


def _ens_verification(request, store, *, form=None) -> dict:
    """The settings page's "Verify with your wallet" part: a message waiting to be signed
    (``form``: its signature as posted)."""
    configured = chain_configured()
    challenge = store_ens_challenge_pending(store=store, user=request.user) if configured else None
    return {
        "configured": configured,
        "challenge": challenge,
        "form": (form or EnsSignatureForm(initial={"message": challenge.message})) if challenge else None,
    }


def _ens_part():
    return redirect(reverse("sellers:settings") + "#ens-verify")


@seller_required
@require_POST
def ens_message(request):
    """Issue a Sign-In with Ethereum message for the store's ENS name: shown on the settings
    page, or handed to the page's wallet script as JSON when it asks for it."""
    store = current_store(request).store
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        challenge = store_ens_message_issue(
            store=store, user=request.user, domain=request.get_host(),
            uri=request.build_absolute_uri(reverse("sellers:settings")),
        )
    except EnsVerificationError as error:
        if wants_json:
            return JsonResponse({"code": error.code, "detail": str(error)}, status=409)
        messages.error(request, str(error))
        return _ens_part()
    if wants_json:
        return JsonResponse({"message": challenge.message, "address": challenge.address})
    return _ens_part()


@seller_required
@require_POST
def ens_verify(request):
    """Check the signed message: the store's ENS name shows as verified only when it passes."""
    current = current_store(request)
    store = current.store
    form = EnsSignatureForm(request.POST)
    refusal = ""
    if not form.is_valid():
        refusal = _("Paste the signature of the message shown, then check it.")
    else:
        try:
            store_ens_verify(
                store=store, message=form.cleaned_data["message"], signature=form.cleaned_data["signature"],
                domain=request.get_host(),
            )
        except EnsVerificationError as error:
            refusal = str(error)
    if refusal:
        settings_form = StoreSettingsForm(instance=store)
        hours = HoursFormSet(initial=store_hours_rows(store=store), prefix="hours")
        return _settings_page(request, current, form=settings_form, hours=hours, ens_form=form, ens_refusal=refusal)
    messages.success(request, _("%(name)s is verified: your store page shows it with a verified badge.") % {"name": store.ens_name})
    return _ens_part()


def _map_settings(store) -> dict:
    centre = (store.latitude, store.longitude) if store.has_location else area_point(area=store.area)
    return {
        "tile_url": settings.SOKO_MAP_TILE_URL,
        "attribution": settings.SOKO_MAP_TILE_ATTRIBUTION,
        "latitude": centre[0] if centre else "",
        "longitude": centre[1] if centre else "",
        "zoom": 15 if store.has_location else (11 if centre else 2),
    }


@seller_required
def team(request):
    current = current_store(request)
    context = {
        **dashboard_context(request, current),
        "form": StoreInviteForm() if current.membership.is_owner else None,
        **store_team(store=current.store),
    }
    return render(request, "sellers/team.html", context)


@seller_required
@require_POST
def team_invite(request):
    current = current_store(request)
    store = store_for_owner(membership=current.membership)
    form = StoreInviteForm(request.POST)
    if form.is_valid():
        try:
            invite = store_member_invite(store=store, actor=request.user, email=form.cleaned_data["email"])
        except TeamError as error:
            form.add_error("email", str(error))
        else:
            # The same words whether or not the address has an account.
            messages.success(request, _("Invitation sent to %(email)s. They join once they accept.") % {"email": invite.email})
            return redirect("sellers:team")
    context = {**dashboard_context(request, current), "form": form, **store_team(store=store)}
    return render(request, "sellers/team.html", context, status=200)


@seller_required
@require_POST
def team_member_remove(request, pk: int):
    member = store_member_get_for_owner(membership=current_store(request).membership, pk=pk)
    try:
        store_member_remove(member=member, actor=request.user)
    except TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(short_name)s is no longer on your team.") % {"short_name": member.user.short_name})
    return redirect("sellers:team")


@seller_required
@require_POST
def team_invite_cancel(request, pk: int):
    invite = store_invite_get_for_owner(membership=current_store(request).membership, pk=pk)
    store_invite_cancel(invite=invite, actor=request.user)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invite.email})
    return redirect("sellers:team")


def invite_accept(request, token: str):
    """The link from the invitation email: says who invited whom; a logged-in person
    with the invited address joins with one button."""
    invite = store_invite_by_token(token=token)
    if request.method == "POST" and "decline" in request.POST:
        try:
            store_invite_decline(invite=invite)
        except InviteError as error:
            messages.error(request, str(error))
            return redirect("catalog:home")
        messages.success(request, _("You declined the invitation to %(store)s.") % {"store": invite.store.name})
        return redirect("catalog:home")
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            store_invite_accept(invite=invite, user=request.user)
        except InviteError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Welcome to the team of %(name)s!") % {"name": invite.store.name})
            current_store(request, switch_to=invite.store_id)
            return redirect("sellers:dashboard")
    expired = invite.expires_at <= timezone.now()
    return render(request, "sellers/invite_accept.html", {"invite": invite, "expired": expired})


@require_GET
@anonymous_page_cache(keyed_by=store_page_counts)
def store_detail(request, slug: str):
    store = store_get_public(slug=slug)
    now = timezone.now()
    products = Paginator(
        store_products(store=store, user=request.user), settings.SOKO_CATALOG_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {"store": store, "products": products}
    if wants_fragment(request):
        return render_page(request, "stores/detail.html", context, fragment="products")
    has_hours = bool(store.hours.all())
    context |= {
        "has_hours": has_hours,
        "is_open": store_is_open(store=store, at=now) if has_hours else None,
        "week": store_week(store=store, at=now) if has_hours else [],
        "ens_verification": chain_configured(),
        "store_is_favorite": store_is_favorite(store=store, user=request.user),
        "store_image": store_preview_image(request, store),
        "store_data": store_structured_data(request=request, store=store),
    }
    response = render_page(request, "stores/detail.html", context, fragment="products")
    if has_hours:  # "Open now" and the week's "today" change with the time alone
        response.page_cache_until = store_hours_change_next(store=store, at=now)
    return response


@require_GET
@anonymous_page_cache(keyed_by=store_directory_counts)
def store_list(request):
    form = StoreDirectoryForm(request.GET)
    query = form.directory_query()
    stores = Paginator(store_directory(query=query), settings.SOKO_STORES_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    cards = [(store, store_is_open(store=store, at=now) if store.hours.all() else None) for store in stores]
    context = {"form": form, "stores": stores, "cards": cards, "query": query}
    response = render_page(request, "stores/list.html", context, fragment="results")
    # Each card's "Open now" changes with the time alone; which stores are open now, for the filter, at any store's change.
    changes = [store_hours_change_next(store=store, at=now) for store, is_open in cards if is_open is not None]
    if query.open_now:
        response.page_cache_until = now
    elif changes:
        response.page_cache_until = min(changes)
    return response

