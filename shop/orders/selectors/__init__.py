"""Reading orders: their pages and lists, the checkout review, the status rules (``transitions``),
the handover code rule and couriers' fares."""
