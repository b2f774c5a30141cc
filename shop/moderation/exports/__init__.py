"""Staff exports: CSV and Excel files of orders, payouts, the ledger, users, reports and products."""
