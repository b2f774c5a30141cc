from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shop.core.htmx import render_page
from shop.core.redirects import safe_next_url

from .selectors import notification_get_for_user, notifications_for_user
from .services.notifications import notifications_mark_read


@login_required
def notification_list(request):
    page = Paginator(notifications_for_user(user=request.user), 20).get_page(request.GET.get("page"))
    return render_page(request, "notifications/list.html", {"page": page}, fragment="list")


@login_required
@require_POST
def mark_read(request, pk=None):
    if pk is not None:
        notification_get_for_user(user=request.user, pk=pk)  # 404 for someone else's
    notifications_mark_read(user=request.user, pk=pk)
    if request.htmx:
        return notification_list(request)
    return redirect("notifications:list")


@login_required
def open_notification(request, pk):
    notification = notification_get_for_user(user=request.user, pk=pk)
    notifications_mark_read(user=request.user, pk=pk)
    return redirect(safe_next_url(request, candidates=[notification.url], default=reverse("notifications:list")))


@login_required
def bell_count(request):
    return render(request, "notifications/_bell_count.html")
