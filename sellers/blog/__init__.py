"""The store's blog in the seller dashboard (/dashboard/blog/)."""
