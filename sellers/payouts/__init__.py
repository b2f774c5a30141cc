"""The store's money and payout account in the seller dashboard (/dashboard/payouts/)."""
