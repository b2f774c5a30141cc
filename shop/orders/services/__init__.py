"""Writing orders: placing a checkout, moving an order through its statuses, handover codes,
won orders and the payment deadlines."""
