"""The store inbox under /dashboard/messages/: the store's conversations with shoppers,
newest message first, with unread counts that follow live, and the store's quick replies.
A conversation itself opens at /messages/<id>/, where every member answers it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.chat.selectors import inbox_store, quick_replies
from shop.chat.services.conversations import ChatError, quick_reply_add, quick_reply_delete
from shop.core.htmx import render_page
from shop.core.ids import id_or_none
from shop.core.refusals import REFUSED_STATUS, refused

from ..decorators import current_store, dashboard_context, seller_required

INBOX_LIMIT = 100


@seller_required
@require_GET
def chat_inbox(request):
    wanted = id_or_none(request.GET.get("store"))
    current = current_store(request)
    if wanted and wanted != current.store.pk and any(m.store_id == wanted for m in current.memberships):
        current = current_store(request, switch_to=wanted)
    q = request.GET.get("q", "")
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "messages",
        "conversations": list(inbox_store(store=current.store, q=q)[:INBOX_LIMIT]),
        "q": q,
    }
    return render_page(request, "sellers/chat/inbox.html", context, fragment="rows")


@seller_required
def chat_replies(request):
    current = current_store(request)
    refusal = None
    if request.method == "POST":
        try:
            quick_reply_add(store=current.store, text=request.POST.get("text", ""))
        except ChatError as error:
            refusal = refused(request, "quick_reply", error)
        else:
            messages.success(request, _("Quick reply saved."))
            return redirect("sellers:chat_replies")
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "messages",
        "replies": quick_replies(store=current.store),
        "refused": refusal,
    }
    return render(request, "sellers/chat/replies.html", context, status=REFUSED_STATUS if refusal else None)


@seller_required
@require_POST
def chat_reply_delete(request, pk: int):
    current = current_store(request)
    if quick_reply_delete(store=current.store, pk=pk):
        messages.success(request, _("Quick reply deleted."))
    return redirect("sellers:chat_replies")
