"""Demo reviews for `manage.py seed_demo`: the ratings shown on the demo stores and listings
come from reviews written through the reviews services (``shop.reviews``), never from
seeded numbers, so every average and count is what its reviews add up to.

Demo buyers in Nairobi, Conakry, Lahore and Karachi collect orders at the stores over the
last weeks (pick-up orders, placed, confirmed, prepared, made ready and handed over
through the order services) and then review what they bought: stars and text, one with a
photo they took, a two-star review of a disappointing set, a few reviews of the store
itself. The stores respond to some, buyers find some helpful, and Mama Njeri Crafts leaves
feedback on the demo buyer. The demo buyer's courier-delivered orders are left for her to
review herself.

Each step happens now and is then dated back to when the story says it happened, with the
rows it made (order events, notifications, reviews, votes, feedback).

Idempotent: each purchase comes from a checkout with a fixed idempotency key; a purchase
whose checkout exists was played before and is left alone.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from sellers.models import Store
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.catalog.models import Product, Variant
from shop.demo.data import STORES
from shop.demo.services.accounts import _account
from shop.demo.services.catalog import PALETTE
from shop.demo.services.deliveries import BUYER_EMAIL, _owner
from shop.demo.services.pictures import still_life_picture
from shop.media.models import StoredImage
from shop.media.services.images import image_process
from shop.notifications.models import Notification
from shop.orders.models import Checkout, HandoverCode, Order, OrderEvent, OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.checkout import CheckoutDetails, DeliveryAddress, checkout_place
from shop.orders.services.orders import order_transition
from shop.reviews.models import BuyerFeedback, HelpfulVote, Review, ReviewPhoto, ReviewRequest
from shop.reviews.services import buyer_feedback_leave, review_respond, review_save, review_vote_helpful

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
OTIENO, FATOUMATA = "buyer2@soko.test", "buyer3@soko.test"  # the demo auctions' bidders
MARIAMA, BILAL, SANA = "buyer4@soko.test", "buyer5@soko.test", "buyer6@soko.test"
# Demo buyers who only shop and review: (email, name, language).
REVIEWERS = [
    (MARIAMA, "Mariama Sow", "fr"),
    (BILAL, "Bilal Ahmed", "ur"),
    (SANA, "Sana Qureshi", ""),
]
PHONES = {
    BUYER_EMAIL: "+254 722 404 118",
    OTIENO: "+254 711 908 214",
    FATOUMATA: "+224 621 45 78 90",
    MARIAMA: "+224 664 30 12 07",
    BILAL: "+92 301 455 8812",
    SANA: "+92 333 210 6645",
}


@dataclass(frozen=True)
class Said:
    """A review: of a listing bought (by title), or of the store when ``product`` is empty."""

    product: str
    stars: int
    text: str
    photo: str = ""  # the colour (a PALETTE key) of the photo the buyer took; also the variant bought
    response: str = ""  # the store's public answer
    helpful: tuple[str, ...] = ()  # demo buyers who found it helpful


@dataclass(frozen=True)
class Purchase:
    key: str  # names the order's checkout (its idempotency key), so a second run finds it
    buyer: str
    store: str
    days: int  # collected this many days before seeding
    said: tuple[Said, ...]
    feedback: tuple[str, str] | None = None  # the store's (rating, comment) on the buyer


PURCHASES = [
    Purchase(
        "njeri-otieno-basket",
        OTIENO,
        "mama-njeri-crafts",
        24,
        (
            Said(
                "Kiondo sisal basket",
                5,
                "Bought it for my mother in Kisumu. Tight weave, a strong leather strap, and "
                "it still smells of sisal. She takes it to the market every Saturday.",
                photo="natural",
                response="Asante sana, Otieno! Greetings to your mother. Mama Mutua, who wove it, was very happy to hear this.",
                helpful=(BUYER_EMAIL, SANA),
            ),
            Said("", 5, "Packed with care and ready at Sarit Centre the same afternoon. They even added a small card."),
        ),
    ),
    Purchase(
        "njeri-wanjiru-kikoi",
        BUYER_EMAIL,
        "mama-njeri-crafts",
        16,
        (
            Said(
                "Kikoi beach wrap",
                4,
                "Soft cotton and bright stripes. The tassels were a bit uneven, but it dries fast "
                "and went with me to Diani.",
                helpful=(OTIENO,),
            ),
            Said("Maasai shuka blanket", 5, "Warm and thick, and the red is exactly the one in the picture."),
            Said("", 4, "Friendly team. They called me when the order was ready, but parking at Sarit is hard."),
        ),
        feedback=("positive", "Collected on time and paid at the counter. Karibu tena!"),
    ),
    Purchase(
        "njeri-otieno-mats",
        OTIENO,
        "mama-njeri-crafts",
        9,
        (
            Said(
                "Banana-fibre table mats, set of 6",
                2,
                "Two of the six mats were already fraying at the edge, and they "
                "are smaller than they look. Not worth the price.",
                response="Pole sana, Otieno. Fraying mats should not have left our shelf. Bring the set to Sarit Centre "
                "and we will change it for a new one.",
                helpful=(BUYER_EMAIL, FATOUMATA),
            ),
        ),
    ),
    Purchase(
        "nyali-wanjiru-coffee",
        BUYER_EMAIL,
        "nyali-fresh-market",
        11,
        (
            Said(
                "Kenya AA coffee, 500 g",
                5,
                "A fresh roast, fruity and strong. The ground one is fine enough for my moka pot.",
                helpful=(OTIENO,),
            ),
            Said("Baringo honey, 500 g", 4, "Thick and tasty. The jar was sticky outside, but well sealed."),
        ),
    ),
    Purchase(
        "nyali-otieno-masala",
        OTIENO,
        "nyali-fresh-market",
        4,
        (
            Said(
                "Pilau masala, 100 g",
                5,
                "Our Sunday pilau smelled like my grandmother's in Lamu. Will buy the big pack next.",
            ),
            Said("", 4, "Good fresh produce and quick service, though they ran out of mangoes by noon."),
        ),
    ),
    Purchase(
        "kaloum-mariama-earbuds",
        MARIAMA,
        "kaloum-electronique",
        20,
        (
            Said(
                "Oraimo FreePods 4 earbuds",
                4,
                "Good sound, and the battery lasts my daily trip from Kipé to Kaloum and back. "
                "Noise cancelling is average in a crowded taxi.",
                helpful=(FATOUMATA,),
            ),
            Said(
                "",
                5,
                "They paired the earbuds with my phone at the counter and wrote the six-month warranty on the receipt.",
                response="Thank you, Mariama! Come back any time for the warranty check.",
            ),
        ),
    ),
    Purchase(
        "kaloum-fatoumata-speaker",
        FATOUMATA,
        "kaloum-electronique",
        7,
        (
            Said(
                "Oraimo 20000 mAh power bank",
                3,
                "Charges my phone about three times, not four. Solid, but heavy in a handbag.",
            ),
            Said(
                "JBL Go 3 speaker", 5, "Small, but loud enough for the whole courtyard in Ratoma.", helpful=(MARIAMA,)
            ),
        ),
    ),
    Purchase(
        "madina-fatoumata-dress",
        FATOUMATA,
        "madina-mode",
        14,
        (
            Said(
                "Wax print maxi dress",
                4,
                "Beautiful print and good heavy cotton. Size M runs a little large, so I had it taken in.",
                photo="yellow",
                helpful=(MARIAMA,),
            ),
            Said("Raw shea butter, 250 g", 5, "Real unrefined karité, like the one my aunt brings from Labé."),
            Said("", 4, "Lovely shop in Madina. Pick-up was quick, but only after I called twice."),
        ),
    ),
    Purchase(
        "anarkali-bilal-chappal",
        BILAL,
        "anarkali-karigar",
        18,
        (
            Said(
                "Peshawari chappal",
                5,
                "A proper double sole, and the leather softened after a week. True to size.",
                helpful=(SANA,),
            ),
            Said(
                "Ralli quilt, single",
                5,
                "Every patch is stitched by hand. It hangs on our living room wall now.",
                response="JazakAllah, Bilal! A women's group in Mithi made this ralli. We will pass on your words.",
            ),
            Said("", 5, "Honest shop in Anarkali Bazaar. They showed me how the khussa and chappal are made."),
        ),
    ),
    Purchase(
        "saddar-sana-chai",
        SANA,
        "saddar-spice-house",
        5,
        (
            Said(
                "Kashmiri chai mix, 200 g", 4, "Makes a proper pink chai with a pinch of soda. Could use more cardamom."
            ),
            Said(
                "",
                3,
                "Good spices, but the pick-up took a long time on a busy Saturday in Saddar.",
                response="Thank you, Sana. Saturdays are busy: online orders now wait packed at the front counter.",
            ),
        ),
    ),
]

# Minutes each step takes after the one before, from the order being placed.
GAPS = {
    OrderStatus.CONFIRMED: 12,
    OrderStatus.PREPARING: 40,
    OrderStatus.READY: 90,
}
# Rows made by a step, dated with it.
STAMPED = (Notification, OrderEvent, Review, HelpfulVote, BuyerFeedback)


def checkout_key(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://soko.test/demo/reviews/{key}")


def seed_reviews() -> dict:
    """The demo reviewers, their collected orders and what they said; returns what is new."""
    if get_user_model().objects.filter(email=BUYER_EMAIL).exists():
        for email, name, language in REVIEWERS:
            _account(email, name, language=language)
    people = {user.email: user for user in get_user_model().objects.filter(email__in=PHONES)}
    stores = {store.slug: store for store in Store.objects.filter(slug__in={p.store for p in PURCHASES})}
    played = set(
        Checkout.objects.filter(idempotency_key__in=[checkout_key(p.key) for p in PURCHASES]).values_list(
            "idempotency_key", flat=True
        )
    )
    now = timezone.now()
    new_reviews = 0
    for purchase in PURCHASES:
        if checkout_key(purchase.key) in played or purchase.buyer not in people or purchase.store not in stores:
            continue
        new_reviews += _Story(purchase, store=stores[purchase.store], people=people, now=now).play()
    _ratings_from_reviews()
    return {"new_reviews": new_reviews}


def demo_reviews() -> dict:
    """What the demo's reviews add up to, for seed_demo's summary."""
    reviews = Review.objects.filter(store__slug__in=STORES, hidden_at__isnull=True)
    return {
        "products": reviews.filter(kind=Review.Kind.PRODUCT).count(),
        "stores": reviews.filter(kind=Review.Kind.STORE).count(),
        "responses": reviews.filter(responded_at__isnull=False).count(),
    }


def _ratings_from_reviews() -> None:
    """Ratings seeded as numbers by earlier demo data go back to nothing where no review backs them."""
    reviewed = Review.objects.filter(hidden_at__isnull=True)
    Product.objects.filter(store__slug__in=STORES, rating_count__gt=0).exclude(
        pk__in=reviewed.filter(kind=Review.Kind.PRODUCT).values("product_id")
    ).update(rating_avg=0, rating_count=0)
    Store.objects.filter(slug__in=STORES, rating_count__gt=0).exclude(
        pk__in=reviewed.filter(kind=Review.Kind.STORE).values("store_id")
    ).update(rating_avg=0, rating_count=0)


def _variant(store: Store, title: str, colour: str) -> Variant | None:
    """The listing's variant in ``colour`` when it has one in stock, else its first in stock."""
    variants = Variant.objects.filter(product__store=store, product__title=title, stock__gte=1).order_by(
        "position", "pk"
    )
    return (colour and variants.filter(attributes__colour=colour).first()) or variants.first()


class _Story:
    """One buyer's pick-up order, collected and then reviewed."""

    def __init__(self, purchase: Purchase, *, store: Store, people: dict, now: datetime):
        self.purchase, self.store, self.people, self.now = purchase, store, people, now
        self.buyer = people[purchase.buyer]
        self.seller = _owner(store)
        self.collected = now - purchase.days * DAY
        self.clock = self.collected - sum(GAPS.values(), 0) * timedelta(minutes=1) - 5 * HOUR
        self.order: Order | None = None

    def _step(self, work: Callable, *, at: datetime):
        """Do ``work`` now, then date it (and the rows it made) ``at``."""
        self.clock = at
        marks = {model: model.objects.aggregate(mark=Max("pk"))["mark"] or 0 for model in STAMPED}
        result = work()
        for model, mark in marks.items():
            made = model.objects.filter(pk__gt=mark)
            fields = {"created_at": at}
            if model in (Notification, Review):
                fields["updated_at"] = at
            if model is Notification and at < self.now - DAY:
                fields["read_at"] = at + 2 * HOUR  # old news, seen long ago
            made.update(**fields)
        return result

    def play(self) -> int:  # not one transaction: checkout and moves each run their own
        bought = {said: _variant(self.store, said.product, said.photo) for said in self.purchase.said if said.product}
        bought = {said: variant for said, variant in bought.items() if variant is not None}
        if not bought:
            return 0
        placed = self.clock
        self._step(lambda: self._place(list(bought.values())), at=placed)
        for to, minutes in GAPS.items():
            self._step(lambda to=to: self._move(to), at=self.clock + timedelta(minutes=minutes))
        self._step(lambda: self._move(OrderStatus.DELIVERED), at=self.collected)
        self._date(placed)
        self.order.refresh_from_db()
        items = {item.variant_id: item for item in self.order.items.all()}
        made = 0
        at = self.collected + 3 * HOUR
        for said in self.purchase.said:
            item = None
            if said.product:
                variant = bought.get(said)
                if variant is None:
                    continue
                item = items[variant.pk]
            at += 20 * timedelta(minutes=1)
            review = self._step(lambda said=said, item=item: self._review(said, item), at=at)
            made += 1
            if said.response:
                respond = lambda said=said, review=review: review_respond(  # noqa: E731
                    review=review, user=self.seller, text=said.response
                )
                self._step(respond, at=at + 5 * HOUR)
                Review.objects.filter(pk=review.pk).update(responded_at=at + 5 * HOUR)
            for n, email in enumerate(said.helpful):
                voter = self.people.get(email)
                if voter is not None:
                    vote = lambda review=review, voter=voter: review_vote_helpful(review=review, user=voter)  # noqa: E731
                    self._step(vote, at=min(at + (n + 1) * DAY, self.now - HOUR))
        if self.purchase.feedback:
            rating, comment = self.purchase.feedback
            leave = lambda: buyer_feedback_leave(order=self.order, user=self.seller, rating=rating, comment=comment)  # noqa: E731
            self._step(leave, at=self.collected + HOUR)
        # Asked already (and answered): the review task leaves these orders alone.
        ReviewRequest.objects.get_or_create(order=self.order, defaults={"emailed_at": self.collected + DAY})
        ReviewRequest.objects.filter(order=self.order).update(notified_at=self.collected + HOUR)
        return made

    def _place(self, variants: list[Variant]) -> None:
        """The buyer checks the listings out for pick-up at the store, paying cash when collecting."""
        cart = Cart.objects.create()
        try:
            for variant in variants:
                cart_add(cart=cart, variant=variant, quantity=1)
            cart.user_id = self.buyer.pk  # checkout_place buys only the buyer's cart
            details = CheckoutDetails(
                address=DeliveryAddress(
                    recipient=self.buyer.display_name, phone=PHONES[self.purchase.buyer], street=""
                ),
                payment_method="cod",
                delivery_modes={self.store.pk: Order.DeliveryMode.PICKUP},
                currency=self.store.currency,
            )
            checkout = checkout_place(
                buyer=self.buyer, cart=cart, details=details, idempotency_key=checkout_key(self.purchase.key)
            )
        finally:
            Cart.objects.filter(pk=cart.pk).delete()
        self.order = checkout.orders.get()

    def _move(self, to: str) -> None:
        order = Order.objects.get(pk=self.order.pk)
        order_transition(order=order, to=to, actor=self.seller, role=Role.SELLER)

    def _review(self, said: Said, item) -> Review:
        photos = []
        if said.photo and item is not None:
            product = item.variant.product
            top = product.category.parent or product.category
            content = still_life_picture(
                words=f"{product.title} {said.photo}",
                colour=PALETTE.get(said.photo, (15, 118, 110)),
                top_slug=top.slug,
                seed=f"review-{self.purchase.key}",
            )
            photos.append(ContentFile(content, name=f"review-{self.purchase.key}.jpg"))
        review = review_save(
            order=self.order, author=self.buyer, stars=said.stars, text=said.text, item=item, photos=photos
        )
        # Shown at once rather than when a worker gets to it.
        for image_id in ReviewPhoto.objects.filter(review=review).values_list("image_id", flat=True):
            if StoredImage.objects.filter(pk=image_id).exclude(status=StoredImage.Status.READY).exists():
                image_process(image_id=image_id)
        return review

    def _date(self, placed: datetime) -> None:
        Order.objects.filter(pk=self.order.pk).update(
            created_at=placed, updated_at=self.collected, delivered_at=self.collected
        )
        Checkout.objects.filter(pk=self.order.checkout_id).update(created_at=placed, updated_at=placed)
        HandoverCode.objects.filter(order=self.order).update(created_at=placed)
        HandoverCode.objects.filter(order=self.order, used_at__isnull=False).update(used_at=self.collected)
