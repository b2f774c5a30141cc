"""JSON Schemas for the schema.org structured data Soko writes, after what Google's rich
results read from a Product (with an Offer, or an auction's AggregateOffer, and an
AggregateRating), a LocalBusiness and a BreadcrumbList: the required properties, and the recommended ones Soko promises, with their formats."""

ABSOLUTE_URL = {"type": "string", "pattern": r"^https?://[^\s]+$"}
DECIMAL_TEXT = {"type": "string", "pattern": r"^\d+(\.\d+)?$"}

AGGREGATE_RATING = {
    "type": "object",
    "required": ["@type", "ratingValue", "reviewCount"],
    "properties": {
        "@type": {"const": "AggregateRating"},
        "ratingValue": {"type": "string", "pattern": r"^[1-5](\.\d)?$"},
        "reviewCount": {"type": "integer", "minimum": 1},
        "bestRating": {"const": "5"},
        "worstRating": {"const": "1"},
    },
}

AVAILABILITY = {
    "enum": [
        "https://schema.org/InStock",
        "https://schema.org/OutOfStock",
        "https://schema.org/PreOrder",
        "https://schema.org/SoldOut",
    ]
}
DATE_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d"}

OFFER = {
    "type": "object",
    "required": ["@type", "price", "priceCurrency", "availability", "url"],
    "properties": {
        "@type": {"const": "Offer"},
        "price": DECIMAL_TEXT,
        "priceCurrency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "availability": AVAILABILITY,
        "itemCondition": {"enum": ["https://schema.org/NewCondition", "https://schema.org/UsedCondition"]},
        "url": ABSOLUTE_URL,
        "seller": {"type": "object", "required": ["@type", "name"]},
        "availabilityStarts": DATE_TIME,
        "availabilityEnds": DATE_TIME,
    },
}

# One seller's prices between two figures: an auction's bid and its buy-it-now price.
AGGREGATE_OFFER = {
    "type": "object",
    "required": ["@type", "lowPrice", "highPrice", "priceCurrency", "availability", "url"],
    "properties": {
        "@type": {"const": "AggregateOffer"},
        "lowPrice": DECIMAL_TEXT,
        "highPrice": DECIMAL_TEXT,
        "offerCount": {"type": "integer", "minimum": 1},
        "priceCurrency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "availability": AVAILABILITY,
        "url": ABSOLUTE_URL,
        "availabilityStarts": DATE_TIME,
        "availabilityEnds": DATE_TIME,
    },
}

PRODUCT = {
    "type": "object",
    "required": ["@context", "@type", "name", "url"],
    # A product rich result needs an offer, a review or a rating.
    "anyOf": [{"required": ["offers"]}, {"required": ["aggregateRating"]}],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "Product"},
        "name": {"type": "string", "minLength": 1},
        "url": ABSOLUTE_URL,
        "description": {"type": "string", "maxLength": 5000},
        "image": {"type": "array", "minItems": 1, "items": ABSOLUTE_URL},
        "sku": {"type": "string", "minLength": 1},
        "brand": {"type": "object", "required": ["@type", "name"]},
        "offers": {"oneOf": [OFFER, AGGREGATE_OFFER]},
        "aggregateRating": AGGREGATE_RATING,
    },
}

LOCAL_BUSINESS = {
    "type": "object",
    "required": ["@context", "@type", "name", "address", "url"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "LocalBusiness"},
        "name": {"type": "string", "minLength": 1},
        "url": ABSOLUTE_URL,
        "telephone": {"type": "string", "minLength": 1},
        "image": {"type": "array", "minItems": 1, "items": ABSOLUTE_URL},
        "logo": ABSOLUTE_URL,
        "address": {
            "type": "object",
            "required": ["@type"],
            "minProperties": 2,
            "properties": {"@type": {"const": "PostalAddress"}, "addressCountry": {"type": "string"}},
        },
        "geo": {
            "type": "object",
            "required": ["@type", "latitude", "longitude"],
            "properties": {"latitude": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, "longitude": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}},
        },
        "aggregateRating": AGGREGATE_RATING,
    },
}

BREADCRUMB_LIST = {
    "type": "object",
    "required": ["@context", "@type", "itemListElement"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "BreadcrumbList"},
        "itemListElement": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["@type", "position", "name"],
                "properties": {
                    "@type": {"const": "ListItem"},
                    "position": {"type": "integer", "minimum": 1},
                    "name": {"type": "string", "minLength": 1},
                    "item": ABSOLUTE_URL,
                },
            },
        },
    },
}
