# The largest primary key a BigAutoField can hold; larger "ids" from a URL match nothing.
MAX_ID = 2**63 - 1


def id_or_none(value) -> int | None:
    """A positive database id from untrusted input (query string, form), or None."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
