"""The ledger's accounts, by code (one per currency):

=======================  ===============================================================
``provider:<p>``         money the platform holds at provider ``p`` (stripe, dev,
                         mpesa, paypal): debited by payments, credited by refunds and
                         transfers out
``platform:fees``        the platform's fees (credit balance = earned)
``store:<id>:held``      a store's share of paid orders, held until delivery and the
                         buyer's confirmation window (credit balance = owed, not yet due)
``store:<id>:payable``   a store's share that is due (credit = owed to the store; a
                         debit balance is what the store owes, e.g. fees on cash orders)
``store:<id>:cash``      cash a store collected at the door (debit = cash in its hands)
``courier:<id>:cash``    cash a courier collected and has not handed in (debit = in its
                         hands); ``<id>`` is the courier's user id
``courier:<id>:commission`` commissions owed to a courier (credit = owed)
``platform:cash``        cash couriers handed in to the platform
``platform:promotions``  what Soko paid of its own promo codes' discounts (debit = spent):
                         the store's share counts such a discount as paid by the buyer
``platform:suspense``    money a provider took that no order owes: a late, double or
                         mismatched payment (credit = owed back to the payer until it is
                         refunded from suspense)
``platform:provider_fees`` what the providers charged the platform (Stripe's fees on
                         charges and disputes, from its balance transactions; debit = spent)
``platform:disputes``    money a provider took back for a buyer's dispute (debit = taken,
                         credited again when the funds are reinstated; what stays is lost)
=======================  ===============================================================
"""

FEES = "platform:fees"
PLATFORM_CASH = "platform:cash"
PROMOTIONS = "platform:promotions"
SUSPENSE = "platform:suspense"
PROVIDER_FEES = "platform:provider_fees"
DISPUTES = "platform:disputes"


def provider_account(provider: str) -> str:
    return f"provider:{provider}"


def store_held(store_id: int) -> str:
    return f"store:{store_id}:held"


def store_payable(store_id: int) -> str:
    return f"store:{store_id}:payable"


def store_cash(store_id: int) -> str:
    return f"store:{store_id}:cash"


def courier_cash(user_id: int) -> str:
    return f"courier:{user_id}:cash"


def courier_commission(user_id: int) -> str:
    return f"courier:{user_id}:commission"
