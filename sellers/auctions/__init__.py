"""The store's auctions in the seller dashboard (/dashboard/auctions/)."""
