"""The store's reviews and feedback on buyers in the seller dashboard (/dashboard/reviews/)."""
