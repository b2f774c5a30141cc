import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from shop.catalog.models import Category, Favorite, Product, ProductImage
from shop.catalog.selectors.products import category_tree, product_cards, with_favorite_flag
from shop.catalog.services.stamp import catalog_stamp, catalog_stamp_and
from shop.core.errors import NotFound
from shop.core.search import search_words
from shop.geo.models import Area
from shop.geo.selectors.areas import area_path
from shop.geo.selectors.distance import HaversineKm
from shop.media.models import StoredImage

from .hours import stores_open_at
from .models import EnsChallenge, Store, StoreHours, StoreInvite, StoreMember

OWNER_ONLY_MESSAGE = "Only the store's owner can invite or remove team members."
# Web addresses no store may take: they read as the marketplace's own pages.
RESERVED_SLUGS = {"admin", "dashboard", "new", "edit", "settings", "soko"}
SLUG_MAX_LENGTH = 60


@dataclass(frozen=True)
class CurrentStore:
    """The store a dashboard page works on, and every store its user may switch to."""

    membership: StoreMember
    memberships: tuple[StoreMember, ...]

    @property
    def store(self) -> Store:
        return self.membership.store


def store_memberships_for_user(*, user) -> list[StoreMember]:
    """Every store this user works for, in the order they joined (one query)."""
    if not user.is_authenticated:
        return []
    return list(StoreMember.objects.filter(user=user).select_related("store__logo").order_by("created_at", "pk"))


def store_current_for_user(*, user, store_id: int | None) -> CurrentStore | None:
    """The one rule for which store the dashboard works on: the store ``store_id`` names
    when the user is on its team, else the store they joined first. ``None`` for someone
    on no store's team. A ``store_id`` of a store they are not on is never chosen."""
    memberships = store_memberships_for_user(user=user)
    if not memberships:
        return None
    chosen = next((membership for membership in memberships if membership.store_id == store_id), memberships[0])
    return CurrentStore(membership=chosen, memberships=tuple(memberships))


def store_membership_get(*, user, slug: str) -> StoreMember:
    """The user's membership of the store with this address (its role says what they may
    do there); not found for a store they are not on the team of, as for one that does
    not exist."""
    membership = (
        StoreMember.objects.select_related("store").filter(user=user, store__slug=slug).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise NotFound("No such store on your team.")
    return membership


def store_for_owner(*, membership: StoreMember) -> Store:
    """The membership's store, when it is its owner's; 403 for staff (a role they lack)."""
    if not membership.is_owner:
        raise PermissionDenied(OWNER_ONLY_MESSAGE)
    return membership.store


def store_member_get_for_owner(*, membership: StoreMember, pk: int) -> StoreMember:
    """A member of the store this membership owns; not found for anyone else's member."""
    store = store_for_owner(membership=membership)
    member = StoreMember.objects.select_related("user", "store").filter(pk=pk, store=store).first()
    if member is None:
        raise NotFound("No such member of your store.")
    return member


def store_invite_get_for_owner(*, membership: StoreMember, pk: int) -> StoreInvite:
    store = store_for_owner(membership=membership)
    invite = StoreInvite.objects.filter(pk=pk, store=store, accepted_at__isnull=True).first()
    if invite is None:
        raise NotFound("No such invitation from your store.")
    return invite


def store_slug_free(*, name: str) -> str:
    """A web address no store uses, made from the store's name: mama-njeri-crafts, or
    mama-njeri-crafts-2 (and so on) when that one is taken or reserved."""
    base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or "store"
    taken = set(Store.objects.filter(slug__startswith=base).values_list("slug", flat=True)) | RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def user_is_seller_expression():
    """``user_is_seller`` as an expression over a user's row (a navbar figure)."""
    return Exists(StoreMember.objects.filter(user=OuterRef("pk")))


def user_is_seller(*, user) -> bool:
    """Whether ``user`` is on any store's team."""
    return user.is_authenticated and StoreMember.objects.filter(user=user).exists()


def store_team(*, store: Store) -> dict:
    return {
        "members": list(
            store.memberships.select_related("user").order_by(F("role").desc(), "created_at", "pk")
        ),
        "invites": list(store.invites.filter(accepted_at__isnull=True).order_by("-created_at")),
    }


def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def store_invite_by_token(*, token: str) -> StoreInvite:
    """The pending invite this link carries; 404 for a wrong, used or unknown token."""
    invite = (
        StoreInvite.objects.select_related("store", "invited_by")
        .filter(token_hash=invite_token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invite is None:
        raise NotFound("This invitation is not valid any more.")
    return invite


def store_hours_rows(*, store: Store) -> list[dict]:
    """Initial rows for the hours formset: one per weekday, Monday first."""
    by_weekday = {hours.weekday: hours for hours in store.hours.all()} if store.pk else {}
    rows = []
    for weekday, _label in StoreHours.Weekday.choices:
        hours = by_weekday.get(weekday)
        rows.append(
            {
                "weekday": weekday,
                "opens": hours.opens if hours else None,
                "closes": hours.closes if hours else None,
                "closed": hours.closed if hours else False,
            }
        )
    return rows


def _public_stores() -> QuerySet[Store]:
    # Everything a store card or page shows, in a fixed number of queries.
    return Store.objects.select_related("area__parent__parent__parent", "logo", "cover").prefetch_related(
        Prefetch("hours", queryset=StoreHours.objects.order_by("weekday")),
        Prefetch("categories", queryset=Category.objects.order_by("position", "name")),
    )


def store_get_public(*, slug: str) -> Store:
    try:
        return _public_stores().get(slug=slug)
    except Store.DoesNotExist:
        raise NotFound("No store has that address.") from None


def store_page_counts(request, *, slug: str) -> tuple:
    """The catalog's stamp and what a store's page shows that it does not follow (its
    orders counted, a sale counter), read in one query: the page's cached copy is keyed by them."""
    counts = catalog_stamp_and(request, f"counted.orders_count FROM {{changes}} LEFT JOIN {Store._meta.db_table} AS counted ON counted.slug = %s", [slug])
    return catalog_stamp(request), counts


def store_directory_counts(request) -> tuple:
    """What the stores directory shows that the catalog's stamp does not follow (each
    store's orders counted, its default order), as one sum read in the stamp's query: a sale
    that counts anywhere is a new key for the directory's copies, and for no other page."""
    counts = catalog_stamp_and(request, f"(SELECT COALESCE(SUM(orders_count), 0) FROM {Store._meta.db_table}) FROM {{changes}}", [])
    return catalog_stamp(request), counts


def store_products(*, store: Store, user):
    """The listings a shopper may see on the store's page, newest first."""
    products = product_cards(Product.objects.visible().filter(store=store)).order_by("-published_at", "-id")
    return with_favorite_flag(products, user=user)


def store_is_favorite(*, store: Store, user) -> bool:
    return user.is_authenticated and Favorite.objects.filter(user=user, store=store).exists()


def area_match_label(*, label: str) -> Area | None:
    """The one area "Westlands, Nairobi" names: its first part is the area's name, the
    rest names ancestors. ``None`` when no area, or more than one, fits."""
    parts = [part.strip() for part in label.split(",") if part.strip()]
    if not parts:
        return None
    wanted = {part.casefold() for part in parts[1:]}
    candidates = [
        area
        for area in Area.objects.filter(name__iexact=parts[0]).with_ancestors()
        if wanted <= {name.casefold() for name in area.full_name.split(", ")[1:]}
    ]
    return candidates[0] if len(candidates) == 1 else None


def area_point(*, area: Area | None) -> tuple[Decimal, Decimal] | None:
    """The coordinates of ``area`` or its nearest ancestor that has some (a map's centre)."""
    for candidate in reversed(area_path(area=area)):
        if candidate.latitude is not None and candidate.longitude is not None:
            return candidate.latitude, candidate.longitude
    return None


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    category: Category | None = None
    scopes: tuple[str, ...] = ()
    open_now: bool = False
    sort: str = "name"
    latitude: Decimal | None = None
    longitude: Decimal | None = None


DELIVERY_SCOPE_FIELDS = {
    "local": "delivers_local",
    "national": "delivers_national",
    "international": "delivers_international",
    "digital": "delivers_digital",
}


def _category_named(category: Category, word: str) -> bool:
    """Whether the word is in a name of the category or its parent (from ``category_tree``), in any language."""
    names = [*category.names, *(category.parent_in_tree.names if category.parent_in_tree else [])]
    return any(word.casefold() in name.casefold() for name in names)


def store_directory(*, query: DirectoryQuery) -> QuerySet[Store]:
    """The stores directory: search by name, category or tag; filter by delivery scope
    (any of those asked for) and open now; sort by distance, rating, popularity or name.

    Sorting by distance annotates ``distance_km``; stores without coordinates come last.
    """
    stores = _public_stores()
    words = search_words(query.q)
    if words:
        # No joins: a word that names a category (or its parent) matches the stores in it
        # through one subquery on the store-category table; the category names are matched
        # in Python against the cached tree. The words are capped (shop.core.search).
        categories = category_tree().categories
        in_category = Store.categories.through.objects
        for word in words:
            named = [category.pk for category in categories if _category_named(category, word)]
            stores = stores.filter(
                Q(name__icontains=word)
                | Q(tagline__icontains=word)
                | Q(tags__icontains=word)
                | Q(pk__in=in_category.filter(category_id__in=named).values("store_id"))
            )
    if query.category is not None:
        stores = stores.filter(
            pk__in=Store.objects.filter(
                Q(categories=query.category) | Q(categories__parent=query.category)
            ).values("pk")
        )
    if query.scopes:
        scope_filter = Q()
        for scope in query.scopes:
            scope_filter |= Q(**{DELIVERY_SCOPE_FIELDS[scope]: True})
        stores = stores.filter(scope_filter)
    if query.open_now:
        stores = stores_open_at(stores, at=timezone.now())
    if query.sort == "distance" and query.latitude is not None and query.longitude is not None:
        stores = stores.annotate(
            distance_km=HaversineKm("latitude", "longitude", query.latitude, query.longitude)
        ).order_by(F("distance_km").asc(nulls_last=True), "name", "pk")
    elif query.sort == "rating":
        stores = stores.order_by("-rating_avg", "-rating_count", "name", "pk")
    elif query.sort == "popular":
        stores = stores.order_by("-orders_count", "name", "pk")
    else:
        stores = stores.order_by("name", "pk")
    return stores


def store_photo_locations(*, store):
    """Pictures this store uploaded whose EXIF carried a GPS position, newest first: the
    seller may use one as the store's map pin. Positions are never shown to shoppers."""
    product_image_ids = ProductImage.objects.filter(product__store=store).values("image_id")
    own = Q(pk__in=product_image_ids) | Q(pk__in=[pk for pk in (store.logo_id, store.cover_id) if pk])
    return StoredImage.objects.filter(own, gps_latitude__isnull=False, gps_longitude__isnull=False).order_by("-created_at")


def store_photo_location_suggestion(*, store):
    """The newest photo position that differs from the store's pin, or None."""
    for image in store_photo_locations(store=store)[:5]:
        if (image.gps_latitude, image.gps_longitude) != (store.latitude, store.longitude):
            return image
    return None


def store_ens_challenge_pending(*, store: Store, user) -> EnsChallenge | None:
    """The newest verification message ``user`` asked for the store's current ENS name that
    can still be signed and sent back."""
    if not store.ens_name:
        return None
    return (
        EnsChallenge.objects.filter(
            store=store, requested_by=user, name=store.ens_name, spent_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


def store_currency_fixed(store: Store) -> bool:
    """Whether the store's currency may no longer change: its listings are priced, and its
    orders, payouts and promotions counted, in it. Changing it would read every one of those
    amounts in another currency."""
    return store.pk is not None and (store.products.exists() or store.orders.exists())
