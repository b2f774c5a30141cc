"""Screenshots of Soko's pages at desktop (1280 px) and phone (390 px) widths.

Run against a server started with `make run`:
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out screenshots]
Uses Debian's Chromium through Playwright; logs in as the demo accounts where a page needs it.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "soko-demo-123"
# (name, account or None, path)
PAGES = [
    ("home", None, "/"),
    ("login", None, "/accounts/login/"),
    ("signup", None, "/accounts/signup/"),
    ("password-reset", None, "/accounts/password/reset/"),
    ("404", None, "/no-such-page/"),
    ("home-buyer", "buyer@soko.test", "/"),
    ("notifications", "buyer@soko.test", "/notifications/"),
    ("profile", "buyer@soko.test", "/accounts/profile/"),
    ("403-dashboard", "buyer@soko.test", "/dashboard/"),
    ("store-setup", "buyer@soko.test", "/dashboard/setup/"),
    ("courier-apply", "buyer@soko.test", "/courier/apply/"),
    ("dashboard", "seller@soko.test", "/dashboard/"),
    ("courier-home", "courier@soko.test", "/courier/"),
    ("product", None, "/p/kiondo-sisal-basket/"),
    ("category", None, "/c/fashion/"),
    ("search-buyer", "buyer@soko.test", "/search/?q=basket"),
    ("cart", "buyer@soko.test", "/cart/"),
    ("checkout", "buyer@soko.test", "/checkout/"),
    ("orders", "buyer@soko.test", "/orders/"),
    ("order", "buyer@soko.test", "@first-order"),
    ("products", "seller@soko.test", "/dashboard/products/"),
    ("store-orders", "seller@soko.test", "/dashboard/orders/"),
]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.soko-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--language", default="", help="fr, sw or ur: pages in that language (names get a suffix)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    only = {name for name in args.only.split(",") if name}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width_name, (width, height) in WIDTHS.items():
            for account in sorted({a for _, a, _ in PAGES}, key=str):
                context = browser.new_context(viewport={"width": width, "height": height})
                if args.language:
                    context.add_cookies([{"name": "soko_language", "value": args.language, "url": args.base}])
                page = context.new_page()
                if account:
                    log_in(page, args.base, account)
                for name, page_account, path in PAGES:
                    if page_account != account or (only and name not in only):
                        continue
                    if path == "@first-order":  # the newest order on the buyer's list
                        page.goto(f"{args.base}/orders/")
                        path = page.locator("[data-order] a").first.get_attribute("href")
                    page.goto(f"{args.base}{path}")
                    page.wait_for_load_state("networkidle")
                    suffix = f"-{args.language}" if args.language else ""
                    target = out / f"{name}{suffix}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
