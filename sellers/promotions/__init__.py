"""The store's sales and promo codes in the seller dashboard (/dashboard/promotions/)."""
