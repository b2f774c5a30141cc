"""The store's orders in the seller dashboard (/dashboard/orders/)."""
