from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from shop.core.htmx import render_page
from shop.core.pagination import WindowCountPaginator

from .selectors.posts import excerpt_of, post_for_viewer, post_products, posts_public
from .selectors.structured import post_structured_data

PAGE_SIZE = 12


@require_GET
def post_list(request):
    page = WindowCountPaginator(posts_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "blog/list.html", {"page": page}, fragment="posts")


@require_GET
def post_detail(request, slug: str):
    post = post_for_viewer(slug=slug, user=request.user)
    context = {
        "post": post,
        "excerpt": excerpt_of(post),
        "products": post_products(post=post, user=request.user),
        "is_member": request.user.is_authenticated and post.store.members.filter(pk=request.user.pk).exists(),
        "post_data": post_structured_data(request=request, post=post, language=get_language()),
    }
    return render_page(request, "blog/detail.html", context, fragment="post", partial=False)
