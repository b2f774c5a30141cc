"""Messages for shoppers, store members and couriers: the inbox (/messages/), a conversation
(/messages/<id>/) with its older pages and the messages a page missed, and sending,
reading, muting, blocking, reporting and offers. Every form works as a plain POST
(redirect back with a message; a refused message comes back in the page as written) and,
with htmx, answers with the changed parts.

Whoever is not in a conversation gets a 404 from every one of these URLs; staff may read
a conversation (for a report), never write to it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.accounts.models import Address
from shop.catalog.models import Product
from shop.core.errors import NotFound
from shop.core.htmx import render_page, wants_fragment
from shop.core.ids import id_or_none, int_or_none
from shop.core.redirects import safe_next_url
from shop.core.refusals import REFUSED_STATUS

from .forms import MessageForm, OfferForm, ReportForm
from .models import Message, Offer, QuickReply, Side
from .selectors import (
    PUSHED_WITH,
    SHOWN_WITH,
    blocks_between,
    conversation_for_user,
    conversation_subject,
    inbox_personal,
    is_muted,
    messages_after,
    messages_before,
    quick_replies,
    shareable_product,
    store_unread_totals,
    unread_total,
)
from .services.conversations import (
    ChatError,
    block_set,
    conversation_read,
    conversation_start,
    delivery_conversation_start,
    delivery_job_active,
    message_send,
    mute_set,
    report_create,
)
from .services.offers import LineAsked, offer_accept, offer_decline, offer_make

INBOX_LIMIT = 100


def _viewer(request, conversation_id: int, *, for_writing: bool = False, related: tuple[str, ...] = SHOWN_WITH):
    return conversation_for_user(user=request.user, pk=conversation_id, for_writing=for_writing, related=related)


def _back(request, conversation_id: int):
    return redirect(reverse("chat:conversation", args=[conversation_id]) + "#chat-end")


@login_required
@require_GET
def inbox(request):
    q = request.GET.get("q", "")
    conversations = list(inbox_personal(user=request.user, q=q)[:INBOX_LIMIT])
    stores = list(request.user.stores.order_by("name"))
    if stores:
        totals = store_unread_totals(store_ids=[store.pk for store in stores])
        stores = [(store, totals.get(store.pk, 0)) for store in stores]
    context = {"conversations": conversations, "q": q, "stores": stores}
    return render_page(request, "chat/inbox.html", context, fragment="rows")


@require_POST
def start(request):
    """"Ask the store" (from a product, a store page or an order): the shopper's
    conversation with the store, about that product or order."""
    if not request.user.is_authenticated:
        back = safe_next_url(request, default="/")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")
    store_id, product_id = id_or_none(request.POST.get("store")), id_or_none(request.POST.get("product"))
    store, product, order = conversation_subject(
        buyer=request.user,
        store={"pk": store_id} if store_id else None,
        product={"pk": product_id} if product_id else None,
        order_number=request.POST.get("order", ""),
    )
    try:
        conversation = conversation_start(buyer=request.user, store=store, product=product, order=order)
    except ChatError as error:
        messages.error(request, str(error))
        return redirect(safe_next_url(request, default=reverse("chat:inbox")))
    return _back(request, conversation.pk)


@login_required
@require_POST
def delivery_start(request, job_id: int):
    from couriers.models import DeliveryJob

    job = DeliveryJob.objects.select_related("order", "return_order").filter(pk=job_id).first()
    if job is None or request.user.pk not in (job.courier_id, job.for_order.buyer_id):
        raise NotFound()
    try:
        conversation = delivery_conversation_start(user=request.user, job=job)
    except ChatError as error:
        messages.error(request, str(error))
        return redirect("chat:inbox")
    return _back(request, conversation.pk)


def _conversation_context(request, viewer, *, form=None, with_messages: bool = True) -> dict:
    """The conversation page's context; ``with_messages=False`` for the composer alone."""
    conversation = viewer.conversation
    before = int_or_none(request.GET.get("before"), minimum=1)
    shown = messages_before(conversation=conversation, before=before) if with_messages else []
    blocks = blocks_between(conversation=conversation)
    context = {
        "conversation": conversation,
        # The page's partials (#composer) say ``c``, which only the whole page defined with {% with %}.
        "c": conversation,
        "viewer": viewer,
        "messages_shown": shown,
        "has_earlier": bool(shown) and shown[0].seq > 1,
        "form": form or MessageForm(),
        "report_form": ReportForm(),
        "muted": is_muted(conversation=conversation, user=request.user),
        "blocks": blocks,
        "addresses": [],
        "blocked_by_me": any(block.by_side == viewer.side for block in blocks),
        "delivery_open": conversation.is_delivery and delivery_job_active(conversation.job),
        "report_message": None,
    }
    if viewer.can_write and (report_id := id_or_none(request.GET.get("report"))):
        context["report_message"] = Message.objects.filter(pk=report_id, conversation=conversation).exclude(side=viewer.side).first()
    if viewer.side == Side.TEAM and not conversation.is_delivery:
        context["quick_replies"] = quick_replies(store=conversation.store)
        context["shareable"] = list(
            Product.objects.filter(store=conversation.store, status=Product.Status.ACTIVE).order_by("title").only("pk", "title")[:200]
        )
    if viewer.side == Side.BUYER:
        context["addresses"] = list(Address.objects.filter(user=request.user).select_related("area").order_by("-is_default", "id"))
    return context


@login_required
@require_GET
def conversation(request, conversation_id: int):
    viewer = _viewer(request, conversation_id)
    context = _conversation_context(request, viewer)
    if request.GET.get("before") and wants_fragment(request):
        response = render(request, "chat/conversation.html#earlier", context)
    else:
        if viewer.can_write:
            conversation_read(viewer=viewer, user=request.user)
        response = render(request, "chat/conversation.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def since(request, conversation_id: int):
    """The messages after ``?after=`` that a page has not shown (after a gap or a reconnect)."""
    viewer = _viewer(request, conversation_id)
    after = int_or_none(request.GET.get("after"), minimum=0) or 0
    context = {
        "conversation": viewer.conversation,
        "viewer": viewer,
        "messages": messages_after(conversation=viewer.conversation, after=after),
        "addresses": list(Address.objects.filter(user=request.user).select_related("area")) if viewer.side == Side.BUYER else [],
    }
    response = render(request, "chat/_messages.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def send(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True, related=PUSHED_WITH)
    form = MessageForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        text, product = data["text"], None
        if data.get("quick_reply") and viewer.side == Side.TEAM:
            reply = QuickReply.objects.filter(store_id=viewer.conversation.store_id, pk=data["quick_reply"]).first()
            if reply is not None and not text:
                text = reply.text
        if data.get("product"):
            product = shareable_product(conversation=viewer.conversation, product_id=data["product"])
            if product is None:
                error = _("This product cannot be shared.")
        if not error:
            try:
                message_send(conversation=viewer.conversation, user=request.user, text=text, upload=data.get("image"), product=product)
            except ChatError as refused:
                error = str(refused)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if wants_fragment(request):
        # The message itself arrives over the socket (and by ``since`` if it does not), and
        # the page empties its own form (chat.js): a sent message is answered with nothing;
        # a refused one with the composer, the message as written and why.
        if not error:
            return HttpResponse(status=204)
        context = {**_conversation_context(request, viewer, form=form, with_messages=False), "send_error": error}
        return render(request, "chat/conversation.html#composer", context, status=REFUSED_STATUS)
    if error:
        # Without JavaScript, the whole page again with the message as written and why.
        context = {**_conversation_context(request, viewer, form=form), "send_error": error}
        response = render(request, "chat/conversation.html", context, status=REFUSED_STATUS)
        add_never_cache_headers(response)
        return response
    return _back(request, conversation_id)


@login_required
@require_POST
def read(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, related=())
    conversation_read(viewer=viewer, user=request.user)
    return HttpResponse(status=204)


@login_required
@require_POST
def mute(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    muted = request.POST.get("muted") == "1"
    mute_set(viewer=viewer, user=request.user, muted=muted)
    messages.success(request, _("Conversation muted: no notifications for it.") if muted else _("Notifications are on again."))
    return _back(request, conversation_id)


@login_required
@require_POST
def block(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    blocked = request.POST.get("blocked") == "1"
    try:
        block_set(viewer=viewer, user=request.user, blocked=blocked)
    except ChatError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Blocked: no new messages either way.") if blocked else _("Unblocked."))
    return _back(request, conversation_id)


@login_required
@require_POST
def report(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason for the report."))
        return _back(request, conversation_id)
    message = None
    if form.cleaned_data.get("message"):
        message = Message.objects.filter(pk=form.cleaned_data["message"], conversation=viewer.conversation).first()
        if message is None:
            raise NotFound()
    try:
        report_create(viewer=viewer, user=request.user, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"], message=message)
    except ChatError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: the report was sent to %(site)s's staff.") % {"site": settings.SOKO_SITE_NAME})
    return _back(request, conversation_id)


@login_required
def offer_new(request, conversation_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    if viewer.side != Side.TEAM or viewer.conversation.is_delivery:
        raise NotFound()
    store = viewer.conversation.store
    form = OfferForm(request.POST or None, store=store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer_make(
                viewer=viewer,
                user=request.user,
                lines=[LineAsked(variant_id=v, quantity=q, unit_price=p) for v, q, p in data["lines"]],
                delivery_mode=data["delivery_mode"],
                delivery_fee=data["delivery_fee"] or 0,
                hours=data["hours"],
                note=data["note"],
            )
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Offer sent."))
            return _back(request, conversation_id)
    return render(
        request,
        "chat/offer_form.html",
        {"conversation": viewer.conversation, "viewer": viewer, "form": form, "store": store},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def offer_accept_view(request, conversation_id: int, offer_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    try:
        offer = offer_accept(viewer=viewer, user=request.user, offer_id=offer_id, address_id=id_or_none(request.POST.get("address")))
    except ChatError as error:
        messages.error(request, str(error))
        return _back(request, conversation_id)
    messages.success(request, _("Offer accepted: choose how to pay."))
    return redirect("payments:status", offer.order.checkout.idempotency_key)


@login_required
@require_POST
def offer_decline_view(request, conversation_id: int, offer_id: int):
    viewer = _viewer(request, conversation_id, for_writing=True)
    try:
        offer = offer_decline(viewer=viewer, user=request.user, offer_id=offer_id)
    except ChatError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Offer withdrawn.") if offer.status == Offer.Status.WITHDRAWN else _("Offer declined."))
    return _back(request, conversation_id)


@login_required
@require_GET
def unread_badge(request):
    """The navbar's unread messages badge, read again after a socket reconnects."""
    response = render(request, "chat/_badge.html", {"chat_unread": unread_total(user=request.user)})
    add_never_cache_headers(response)
    return response
