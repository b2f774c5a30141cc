import secrets

# Crockford's base32 without look-alikes (no I, L, O, U): easy to read out on the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def order_number_new() -> str:
    """A human-friendly order number such as ``SK-7F3K-9QX2`` (40 random bits).
    Uniqueness is the database's job; the caller retries on a collision."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"SK-{chars[:4]}-{chars[4:]}"
