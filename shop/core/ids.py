"""Numbers from untrusted input (path, query string, form): the one parser every view uses."""

import re

# The largest primary key a BigAutoField can hold; larger "ids" from a URL match nothing.
MAX_ID = 2**63 - 1
# ASCII digits only: str.isdigit() also accepts "²" and "①", which int() refuses.
_DIGITS = re.compile(r"-?[0-9]{1,19}")


def int_or_none(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits (a leading minus allowed) within [minimum, maximum], or None."""
    text = str(value if value is not None else "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def id_or_none(value) -> int | None:
    """A positive database id from untrusted input, or None."""
    return int_or_none(value, minimum=1)
