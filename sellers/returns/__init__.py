"""The store's returns in the seller dashboard (/dashboard/returns/)."""
