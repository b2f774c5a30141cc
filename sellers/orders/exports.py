"""The store's orders as a CSV file, one row an order, for bookkeeping and spreadsheets.

Columns have stable names that are not translated (programs read them), as the staff's
exports do; amounts are decimals in the order's currency beside a ``currency`` column,
moments ISO 8601 in the store's time zone. What people typed goes through ``cell_text``."""

from shop.core.spreadsheets import cell_text, money_text

COLUMNS = (
    "number", "placed_at", "status", "buyer", "recipient", "phone", "address", "delivery_mode",
    "payment_method", "payment_status", "items", "items_total", "delivery_fee", "discount",
    "discount_paid_by_platform", "promo_code", "total", "platform_fee", "currency", "delivered_at",
)


def _moment(value, zone) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else ""


def _items(order) -> str:
    return "; ".join(
        f"{item.quantity} × {item.product_title}" + (f" ({item.variant_name})" if item.variant_name else "")
        for item in order.items.all()
    )


def order_row(order, zone) -> list[str]:
    checkout, currency = order.checkout, order.currency
    return [
        order.number,
        _moment(order.created_at, zone),
        order.status,
        cell_text(order.buyer.display_name),
        cell_text(checkout.recipient),
        cell_text(checkout.phone),
        cell_text(", ".join(part for part in (checkout.street, checkout.area_label) if part)),
        order.delivery_mode,
        checkout.payment_method,
        checkout.payment_status,
        cell_text(_items(order)),
        money_text(order.items_total, currency),
        money_text(order.delivery_fee, currency),
        money_text(order.discount, currency),
        money_text(order.platform_discount, currency),
        cell_text(order.promo_code),
        money_text(order.total, currency),
        money_text(order.fee, currency),
        currency,
        _moment(order.delivered_at, zone),
    ]
