"""Files people open in a spreadsheet: cells that cannot run as formulas, CSV that reads
as UTF-8, and CSV streamed row by row from a request."""

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from shop.core.selectors.currencies import money_quantize

# A byte-order mark first, so spreadsheet programs read the file as UTF-8.
CSV_ENCODING = "utf-8-sig"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-][\d\s().-]*")


def cell_text(value) -> str:
    """Text a spreadsheet will not run: a value people typed that starts like a formula
    gets a leading apostrophe (a phone number "+254 …" stays as it is)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def money_text(amount, currency: str) -> str:
    """``Decimal`` text in the currency's own places: "1500.00" KES, "25000" GNF."""
    if amount is None:
        return ""
    return str(money_quantize(Decimal(amount), currency))


class _Line:
    """A file-like object whose ``write`` hands back what the csv writer wrote."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The header and each row as encoded CSV lines, a byte-order mark first: for a
    ``StreamingHttpResponse``, which sends them as they are made. Rows are written as
    given: pass people's text through ``cell_text``."""
    writer = csv.writer(_Line())
    yield writer.writerow(header).encode(CSV_ENCODING)
    for row in rows:
        yield writer.writerow(row).encode("utf-8")
