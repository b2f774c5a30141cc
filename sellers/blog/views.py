"""The store's blog under /dashboard/blog/: its posts (drafts and published), writing and
editing one, publishing, unpublishing and deleting (``shop.blog.services``). Another
store's post is a 404."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.blog.services import PostInvalid, post_delete, post_publish, post_save, post_unpublish
from shop.core.refusals import REFUSED_STATUS

from ..decorators import current_store, dashboard_context, seller_required
from .forms import PostForm
from .selectors import store_post_get, store_posts


def _context(request, current, **extra) -> dict:
    return {**dashboard_context(request, current), "dashboard_section": "promotions", "promotions_section": "blog", **extra}


@seller_required
def blog(request):
    current = current_store(request)
    posts = store_posts(store=current.store)
    return render(request, "sellers/blog.html", _context(request, current, posts=posts))


@seller_required
def blog_edit(request, pk: int | None = None):
    current = current_store(request)
    post = store_post_get(store=current.store, pk=pk) if pk else None
    initial = {}
    if post is not None:
        initial = {"title": post.title, "excerpt": post.excerpt, "body": post.body, "products": post.products.all()}
    form = PostForm(request.POST or None, request.FILES or None, store=current.store, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            saved = post_save(store=current.store, user=request.user, data=form.post_input(), post=post)
        except PostInvalid as error:
            form.add_error(None, str(error))
        else:
            if "publish" in request.POST:
                post_publish(post=saved)
                messages.success(request, _("“%(title)s” is published.") % {"title": saved.title})
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("sellers:blog")
    context = _context(request, current, form=form, post=post)
    return render(request, "sellers/blog_form.html", context, status=REFUSED_STATUS if form.errors else 200)


@seller_required
@require_POST
def blog_publish(request, pk: int):
    post = store_post_get(store=current_store(request).store, pk=pk)
    post_publish(post=post)
    messages.success(request, _("“%(title)s” is published.") % {"title": post.title})
    return redirect("sellers:blog")


@seller_required
@require_POST
def blog_unpublish(request, pk: int):
    post = store_post_get(store=current_store(request).store, pk=pk)
    post_unpublish(post=post)
    messages.success(request, _("“%(title)s” is a draft again: only your team sees it.") % {"title": post.title})
    return redirect("sellers:blog")


@seller_required
@require_POST
def blog_delete(request, pk: int):
    post = store_post_get(store=current_store(request).store, pk=pk)
    post_delete(post=post)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": post.title})
    return redirect("sellers:blog")
