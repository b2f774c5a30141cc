"""The demo catalog's pictures look like product photos: the listing's object on a table."""

from io import BytesIO

from PIL import Image

from shop.demo.services.auctions import LOTS
from shop.demo.services.catalog import PRODUCTS
from shop.demo.services.pictures import gift_box, picture_object, still_life_picture


def test_every_demo_listing_is_drawn_as_its_own_object():
    # The gift box is what a listing with no recognisable word gets; no demo listing should need it.
    unrecognised = [row[2] for row in PRODUCTS if picture_object(f"{row[2]} {row[6]}")[0] is gift_box]

    assert unrecognised == []


def test_a_listing_is_drawn_by_its_words():
    assert picture_object("Kiondo sisal basket")[0].__name__ == "basket"
    assert picture_object("Maasai beaded necklace")[0].__name__ == "beads_necklace"
    assert picture_object("Samsung Galaxy A15 smartphone android")[0].__name__ == "smartphone"
    assert picture_object("Apple mangoes mango fruit fresh")[0].__name__ == "mangoes"
    assert picture_object("Used city bicycle, 26-inch")[0].__name__ == "bicycle"
    # Whole words, most specific first: passion-fruit juice is a bottle of juice, not a pile of fruit,
    # and a bicycle's inner tube is not a bicycle.
    assert picture_object("Fresh passion juice, 1 litre juice passion fruit drinks")[0].__name__ == "juice"
    assert picture_object("Wax print maxi dress dress wax print ankara")[0].__name__ == "garment"
    assert picture_object("Bicycle inner tube, 26-inch bicycle tube parts")[0].__name__ == "inner_tube"


def test_a_picture_is_a_photo_sized_jpeg_with_light_and_shade_and_the_same_every_time():
    first = still_life_picture(words="Kiondo sisal basket", colour=(200, 48, 48), top_slug="crafts", seed="kiondo-0")
    again = still_life_picture(words="Kiondo sisal basket", colour=(200, 48, 48), top_slug="crafts", seed="kiondo-0")
    blue = still_life_picture(words="Kiondo sisal basket", colour=(37, 99, 235), top_slug="crafts", seed="kiondo-1")

    picture = Image.open(BytesIO(first))
    assert (picture.format, picture.size) == ("JPEG", (640, 480))
    assert first == again and first != blue
    # Gradients and textures, not a few flat fills: thousands of distinct colours.
    assert len(picture.getcolors(maxcolors=1 << 20)) > 5000


def test_every_demo_auction_item_is_drawn_as_its_own_object():
    unrecognised = [lot.title for lot in LOTS if picture_object(f"{lot.title} {lot.tags}")[0] is gift_box]

    assert unrecognised == []
