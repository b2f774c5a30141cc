"""The store's products in the seller dashboard (/dashboard/products/)."""
