"""PDF invoices (placeholder until the invoices module lands)."""


def invoice_issue_later(order_id: int) -> None:
    return None
