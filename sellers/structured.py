"""What a store page tells search engines and link previews: schema.org ``LocalBusiness``
(JSON-LD) with its address, place, contact and rating, and the preview picture."""

from django.urls import reverse
from django.utils.translation import get_language

from shop.core.selectors.seo import aggregate_rating, language_url

from .models import Store

PREVIEW_WIDTH = 960


def store_preview_image(request, store: Store) -> str:
    picture = store.cover or store.logo
    return request.build_absolute_uri(picture.url(PREVIEW_WIDTH, "jpeg")) if picture else ""


def store_structured_data(*, request, store: Store) -> dict:
    url = request.build_absolute_uri(language_url(reverse("stores:detail", args=[store.slug]), get_language()))
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": store.name,
        "url": url,
        "telephone": store.phone,
        "currenciesAccepted": store.currency,
    }
    if store.tagline or store.description:
        data["description"] = (store.tagline or store.description)[:5000]
    if store.email:
        data["email"] = store.email
    pictures = [request.build_absolute_uri(picture.url(PREVIEW_WIDTH, "jpeg")) for picture in (store.logo, store.cover) if picture]
    if pictures:
        data["image"] = pictures
    if store.logo:
        data["logo"] = pictures[0]
    address = {"@type": "PostalAddress"}
    if store.area_id:
        # The store's area with its ancestors (loaded with the store): the place, then its country.
        place = store.area
        address["addressLocality"] = place.name
        while place.parent_id:
            place = place.parent
        address["addressCountry"] = place.code or place.name
    if store.area_label:
        address["streetAddress"] = store.area_label
    if len(address) > 1:
        data["address"] = address
    if store.latitude is not None and store.longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": str(store.latitude), "longitude": str(store.longitude)}
    if store.rating_count:
        data["aggregateRating"] = aggregate_rating(store.rating_avg, store.rating_count)
    return data
