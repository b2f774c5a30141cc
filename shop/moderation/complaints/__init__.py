"""Complaints about an order or an auction: buyer, store and staff in one thread, deadlines and refunds."""
