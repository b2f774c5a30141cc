"""The store's inbox and quick replies in the seller dashboard (/dashboard/messages/)."""
