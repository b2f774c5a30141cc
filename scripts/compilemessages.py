"""Compile locale/ and locale_allauth/<language>/LC_MESSAGES/*.po into .mo files with Babel: what Django's
``compilemessages`` does, without GNU gettext on the machine. Only changed catalogs are
rewritten; fuzzy entries are left out, as gettext's msgfmt does.

    python -m scripts.compilemessages
"""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = [ROOT / "locale", ROOT / "locale_allauth"]


def compile_all(locales: list[Path] = LOCALES) -> list[Path]:
    written = []
    for po_path in sorted(path for locale in locales for path in locale.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path.relative_to(ROOT)}")
    sys.exit(0)
