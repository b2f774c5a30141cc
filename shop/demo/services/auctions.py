"""Demo auctions for `manage.py seed_demo`: one-of-a-kind items of the two demo sellers'
stores, listed and bid on through the real services (``shop.auctions.services``):

- one ending a few minutes after seeding (bids below its reserve, watched by the demo
  buyer), so `make run` shows an auction ending live, and its soft close when you bid;
- others ending in a few hours and in one to three days, one of them with a buy-it-now
  price and no bids yet;
- one that starts later;
- one that ended before seeding, won by the demo buyer (an order awaiting her payment).

Two more demo buyers bid against the demo buyer, so the bid histories are not empty and
she has been outbid here and there. Each bid is placed now, then dated back to when the
story says it was placed.

Idempotent: products are found by slug. An item with an auction not yet ended gets nothing
more; one whose auction has ended unsold (the few-minutes one, once its time is up) is
listed again on the same terms, with fresh bids; one that was sold or cancelled is left
as it is. An auction found past its end is closed first, as the periodic job would.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from sellers.models import Store
from shop.auctions.models import Auction, Bid, ProxyBid
from shop.auctions.selectors.auctions import auctions_live, auctions_upcoming
from shop.auctions.services import Terms, auction_close, auction_create, auction_relist, bid_place, watch_set
from shop.catalog.models import Category, Product, Variant
from shop.catalog.services.products import product_summary_refresh, product_tags_set
from shop.demo.services.accounts import _account
from shop.demo.services.catalog import _pictures, colours, demo_price
from shop.demo.services.deliveries import BUYER_EMAIL
from shop.notifications.models import Notification
from shop.orders.models import Checkout, Order

# Demo buyers who bid against the demo buyer: (email, name, language).
BIDDERS = [
    ("buyer2@soko.test", "Otieno Barasa", ""),
    ("buyer3@soko.test", "Fatoumata Camara", "fr"),
]
BUYER, OTIENO, FATOUMATA = BUYER_EMAIL, BIDDERS[0][0], BIDDERS[1][0]

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Lot:
    store: str  # slug
    category: str  # slug
    title: str
    tags: str
    colour: str  # its picture's
    condition: str
    description: str
    # Prices in shillings, converted for the store's currency as the demo catalog does.
    start: int
    starts: timedelta  # from seeding: negative when it started before
    ends: timedelta  # from seeding: negative for the auction that has already ended
    reserve: int | None = None
    buy_now: int | None = None
    # (bidder's email, maximum in shillings, how long before seeding)
    bids: tuple[tuple[str, int, timedelta], ...] = ()
    watchers: tuple[str, ...] = ()
    # Ended before seeding: closed (sold to the leader) right after its bids.
    ended: bool = False


HANDMADE, USED = Product.Condition.HANDMADE, Product.Condition.USED
LOTS = [
    # Ends a few minutes after seeding, below its reserve: bid from the demo buyer's account
    # in its last two minutes and watch the end move (the soft close).
    Lot("mama-njeri-crafts", "crafts-jewellery", "Vintage Turkana beaded collar", "necklace beadwork turkana vintage",
        "multicolour", HANDMADE, "A wide collar necklace of glass beads on wire, made in Lodwar in the 1980s. One of a kind.",
        start=2000, reserve=5000, starts=-HOUR, ends=5 * MINUTE,
        bids=((OTIENO, 2200, 40 * MINUTE), (BUYER, 2600, 25 * MINUTE), (OTIENO, 3200, 10 * MINUTE)), watchers=(BUYER,)),
    Lot("mama-njeri-crafts", "crafts-art", "Lamu dhows at dusk, painting on canvas", "painting canvas art lamu dhow",
        "orange", HANDMADE, "Oil on canvas, 80 × 60 cm, by a Lamu painter. Framed in mvule wood.",
        start=3000, starts=-DAY, ends=3 * HOUR,
        bids=((BUYER, 3500, 5 * HOUR), (FATOUMATA, 4000, 2 * HOUR)), watchers=(BUYER,)),
    Lot("kilimani-fixit", "transport-bicycles", "Vintage Raleigh roadster bicycle", "bicycle vintage raleigh roadster",
        "black", USED, "A 1970s Raleigh roadster, restored: new tyres, brake pads and chain; original rod brakes.",
        start=6000, buy_now=15000, starts=-2 * HOUR, ends=DAY + 5 * HOUR),
    # Won by the demo buyer before seeding: her order awaits payment.
    Lot("mama-njeri-crafts", "crafts-baskets", "Antique kiondo market basket", "basket kiondo antique sisal",
        "natural", HANDMADE, "A kiondo woven in Kitui sixty years ago, with its original leather strap. Sturdy and clean.",
        start=1000, reserve=1500, starts=-3 * DAY, ends=-3 * HOUR,
        bids=((OTIENO, 1500, 2 * DAY), (BUYER, 2000, DAY + 6 * HOUR)), ended=True),
    Lot("kaloum-electronique", "electronics-phones", "iPhone 12, 128 GB, reconditionné", "smartphone iphone apple refurbished",
        "blue", USED, "Reconditionné dans notre atelier : batterie neuve (100 %), écran d'origine, garantie de six mois.",
        start=25000, reserve=30000, starts=-DAY, ends=6 * HOUR,
        bids=((FATOUMATA, 28000, 3 * HOUR), (BUYER, 31000, 2 * HOUR), (FATOUMATA, 34000, HOUR))),
    Lot("kaloum-electronique", "electronics-computers", "Refurbished MacBook Pro 13-inch laptop", "laptop macbook apple refurbished",
        "white", USED, "2020 model, 8 GB RAM, 256 GB SSD; new battery, tested and cleaned, 3-month warranty.",
        start=40000, starts=-5 * HOUR, ends=2 * DAY + 3 * HOUR, bids=((OTIENO, 42000, 2 * HOUR),)),
    # Starts later: shown as upcoming until then.
    Lot("kaloum-electronique", "electronics-audio", "JBL Boombox 3 speaker", "speaker bluetooth jbl boombox",
        "black", USED, "Barely used, boxed, with its charger. Loud enough for a wedding.",
        start=12000, reserve=15000, starts=4 * HOUR, ends=3 * DAY),
    Lot("madina-mode", "fashion-men", "Grand boubou brodé, bazin riche", "boubou bazin embroidered",
        "blue", HANDMADE, "Bazin riche teint à Conakry, brodé à la main au col et aux manches. Taille unique (L–XL).",
        start=8000, starts=-2 * DAY, ends=2 * DAY + 20 * HOUR,
        bids=((FATOUMATA, 9000, DAY), (BUYER, 9500, 6 * HOUR))),
]


def seed_auctions() -> dict:
    """The demo bidders, the auction items and their auctions; returns what is new."""
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    if buyer is None:
        return {"new_products": 0, "new_auctions": 0}
    bidders = {email: _account(email, name, language=language) for email, name, language in BIDDERS}
    bidders[BUYER_EMAIL] = buyer
    stores = {store.slug: store for store in Store.objects.filter(slug__in={lot.store for lot in LOTS})}
    categories = {category.slug: category for category in Category.objects.select_related("parent")}
    new_products = new_auctions = 0
    now = timezone.now()
    for index, lot in enumerate(LOTS):
        store = stores.get(lot.store)
        if store is None or lot.category not in categories:
            continue
        product, created = _product(lot, index=index, store=store, category=categories[lot.category], now=now)
        new_products += created
        new_auctions += _auction(lot, product=product, bidders=bidders, now=now)
    return {"new_products": new_products, "new_auctions": new_auctions}


def demo_auctions() -> dict:
    """The demo stores' auctions as visitors find them, read back from the database."""
    now = timezone.now()
    mine = Auction.objects.filter(store__slug__in={lot.store for lot in LOTS})
    live = auctions_live(now=now).filter(pk__in=mine)
    first = live.first()
    return {
        "live": live.count(),
        "next_end": timezone.localtime(first.ends_at) if first else None,
        "upcoming": auctions_upcoming(now=now).filter(pk__in=mine).count(),
        "ended": mine.filter(status=Auction.Status.ENDED).count(),
    }


@transaction.atomic
def _product(lot: Lot, *, index: int, store: Store, category: Category, now: datetime) -> tuple[Product, bool]:
    """The item, sold by auction: one unit of one variant, with its picture."""
    slug = slugify(lot.title)[:140]
    product = Product.objects.filter(slug=slug).first()
    if product is not None:
        return product, False
    price = demo_price(lot.start, store.currency)
    product = Product.objects.create(
        store=store,
        category=category,
        listing_type=Product.Listing.AUCTION,
        title=lot.title,
        slug=slug,
        description=lot.description,
        condition=lot.condition,
        status=Product.Status.ACTIVE,
        published_at=now + min(lot.starts, timedelta(0)) - timedelta(minutes=10 + index),
    )
    variants = colours(lot.colour.capitalize())
    Variant.objects.create(
        product=product, name="Standard", sku=f"{slug[:24].upper()}-1", attributes={}, price=price, stock=1, position=0
    )
    product_summary_refresh(product=product)
    product_tags_set(product=product, names=lot.tags.split())
    top = category.parent.slug if category.parent else category.slug
    _pictures(product, variants=variants, tags=lot.tags, top_slug=top)
    return product, True


def _auction(lot: Lot, *, product: Product, bidders: dict, now: datetime) -> int:
    """List the item unless it is on auction already, was sold, or was cancelled; 1 when listed.
    Not one transaction: the auction services each run their own (never nested)."""
    for pk in Auction.objects.filter(product=product, status__in=Auction.OPEN, ends_at__lte=now).values_list("pk", flat=True):
        auction_close(auction_id=pk)  # found past its end: closed as the periodic job would
    auctions = Auction.objects.filter(product=product)
    if auctions.filter(status__in=Auction.OPEN).exists():
        return 0
    last = auctions.order_by("-created_at", "-id").first()
    if last is not None and (lot.ended or last.status == Auction.Status.CANCELLED or last.outcome == Auction.Outcome.SOLD):
        return 0

    currency = product.store.currency
    starts_at = now + lot.starts
    # An auction that has ended is listed (and bid on) while it runs, then its end moves into the past.
    ends_at = now + HOUR if lot.ended else now + lot.ends
    terms = Terms(
        start_price=demo_price(lot.start, currency),
        reserve_price=demo_price(lot.reserve, currency) if lot.reserve else None,
        buy_now_price=demo_price(lot.buy_now, currency) if lot.buy_now else None,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    auction = auction_relist(auction=last, terms=terms) if last is not None else auction_create(product=product, terms=terms)
    Auction.objects.filter(pk=auction.pk).update(created_at=min(starts_at, now))
    for email, shillings, ago in lot.bids:
        _bid(auction, bidder=bidders[email], amount=demo_price(shillings, currency), at=now - ago)
    for email in lot.watchers:
        watch_set(auction=auction, user=bidders[email], on=True)
    if lot.ended:
        _end(auction, at=now + lot.ends)
    return 1


def _bid(auction: Auction, *, bidder, amount: Decimal, at: datetime) -> None:
    """Place the bid now, then date it (the steps it made, the bidder's maximum and the
    notifications it sent) to ``at``."""
    marks = {model: model.objects.aggregate(mark=Max("pk"))["mark"] or 0 for model in (Bid, ProxyBid, Notification)}
    bid_place(auction_id=auction.pk, bidder=bidder, amount=amount)
    Bid.objects.filter(pk__gt=marks[Bid], auction=auction).update(created_at=at)
    ProxyBid.objects.filter(pk__gt=marks[ProxyBid], auction=auction).update(created_at=at)
    ProxyBid.objects.filter(auction=auction, bidder=bidder).update(raised_at=at, updated_at=at)
    Notification.objects.filter(pk__gt=marks[Notification]).update(created_at=at, updated_at=at)


def _end(auction: Auction, *, at: datetime) -> None:
    """The auction's end moves to ``at`` (past), and it is closed: sold to its leader, whose
    order (and checkout) are dated at the close."""
    Auction.objects.filter(pk=auction.pk).update(ends_at=at)
    marks = {model: model.objects.aggregate(mark=Max("pk"))["mark"] or 0 for model in (Order, Checkout, Notification)}
    auction_close(auction_id=auction.pk)
    Auction.objects.filter(pk=auction.pk).update(closed_at=at)
    for model, mark in marks.items():
        model.objects.filter(pk__gt=mark).update(created_at=at, updated_at=at)
