"""A real client of Soko's JSON API (docs/API.md), written the way a phone app would use it:
sign up and type the e-mailed code, search, add to the cart, check out, pay by card, follow
the order, ask the store a question and bid in an auction.

    python examples/api_client.py --base http://127.0.0.1:8000 --email me@example.com

With ``make run`` the e-mails are printed by the server; the client asks for the code. A
server that writes its mail to a folder (``EMAIL_BACKEND=django.core.mail.backends.
filebased.EmailBackend``, ``EMAIL_FILE_PATH``) lets it read the code itself:
``--mail-dir <that folder>``. Card payments go to the development gateway (``DEBUG=1``,
no Stripe keys), whose hosted page the client answers as a buyer's web view would.

Only httpx is needed. CI runs it against a live server (tests/api/test_example_client.py).
"""

import argparse
import re
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin

import httpx

PASSWORD = "a long and private passphrase 7"


class Refused(Exception):
    """The API said no: ``problem`` is its RFC 9457 document (``code``, ``detail``)."""

    def __init__(self, status: int, problem: dict):
        self.status, self.problem = status, problem
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")


class Soko:
    """A session with the API: bearer tokens refreshed when they expire, and a fresh
    Idempotency-Key per action, kept when the same action is retried after a lost answer."""

    def __init__(self, base: str, *, language: str = "en"):
        self.base = base.rstrip("/")
        self.http = httpx.Client(
            base_url=f"{self.base}/api/v1/",
            headers={"Accept": "application/json", "Accept-Language": language},
            timeout=30,
        )
        self.tokens: dict = {}

    def call(self, method: str, path: str, *, idempotent: bool = False, **kwargs) -> dict:
        key = str(uuid.uuid4()) if idempotent else None
        for attempt in range(3):
            headers = dict(kwargs.pop("headers", {}))
            if self.tokens:
                headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            if key:
                headers["Idempotency-Key"] = key
            try:
                answer = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                if attempt == 2:
                    raise
                time.sleep(1)  # the answer was lost: the same key makes the retry safe
                continue
            if answer.status_code == 401 and self.tokens and attempt == 0:
                self.refresh()
                continue
            if answer.status_code == 429:
                time.sleep(int(answer.headers.get("Retry-After", "1")))
                continue
            if answer.is_error:
                raise Refused(answer.status_code, answer.json())
            return answer.json() if answer.content else {}
        raise Refused(answer.status_code, answer.json())

    # --- Signing up and in -----------------------------------------------------------------

    def sign_up(self, email: str, code_for) -> None:
        """Sign up; the account is made once the code e-mailed to ``email`` is typed."""
        answer = self.http.post("auth/signup", json={"email": email, "password": PASSWORD})
        pending = answer.json()
        if answer.status_code != 401 or "session_token" not in pending.get("meta", {}):
            raise Refused(answer.status_code, pending)
        session = pending["meta"]["session_token"]
        verified = self.http.post(
            "auth/email/verify", json={"key": code_for(email)}, headers={"X-Session-Token": session}
        )
        if verified.status_code != 200:
            raise Refused(verified.status_code, verified.json())
        self.tokens = verified.json()["meta"]

    def refresh(self) -> None:
        answer = self.http.post("tokens/refresh", json={"refresh_token": self.tokens["refresh_token"]})
        if answer.status_code != 200:
            raise Refused(answer.status_code, answer.json())
        self.tokens = {**self.tokens, **answer.json()["data"]}


def code_from_mail_dir(folder: Path, email: str, *, wait: float = 20) -> str:
    """The newest e-mailed code to ``email`` in a folder the server writes its mail to."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for mail in sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True):
            text = mail.read_text(errors="replace")
            found = re.findall(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", text)
            if email in text and found:
                return found[-1]
        time.sleep(0.3)
    raise SystemExit(f"no code for {email} in {folder}")


def pay_on_the_development_gateway(url: str) -> None:
    """What the buyer does on the card page the payment opened: press Pay."""
    with httpx.Client(follow_redirects=True, timeout=30) as web_view:
        page = web_view.get(url)
        page.raise_for_status()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        paid = web_view.post(
            str(page.url), data={"csrfmiddlewaretoken": csrf, "action": "pay"}, headers={"Referer": str(page.url)}
        )
        paid.raise_for_status()


def add_address(soko: Soko) -> int:
    """An address in the first place at each level (an app lets the person choose):
    country, region, district, neighbourhood, down to a place with none in it."""
    parent = None
    while True:
        places = soko.call("GET", "areas/", params={"parent": parent} if parent else {})
        if not places:
            raise SystemExit("the site knows no places yet (manage.py load_areas)")
        parent = places[0]["id"]
        if not places[0]["has_children"]:
            break
    address = {
        "label": "Home",
        "recipient": "Wanjiru",
        "phone": "+254 712 345 678",
        "street": "Moi Avenue 12",
        "area": parent,
    }
    return soko.call("POST", "addresses/", json={**address, "make_default": True})["id"]


def shop(soko: Soko, *, search: str, say=print) -> dict:
    """Search, buy the first listing in stock, pay by card, follow the order, ask its
    store a question, and bid in the first open auction. Answers what was done."""
    found = soko.call("GET", "products/", params={"q": search, "in_stock": "true"})["results"]
    if not found:
        raise SystemExit(f"nothing in stock matches {search!r}")
    product = soko.call("GET", f"products/{found[0]['slug']}/")
    variant = next(variant for variant in product["variants"] if variant["in_stock"])
    say(f"found {product['title']} at {variant['price']} {product['currency']}")

    cart = soko.call("POST", "cart/lines/", json={"variant": variant["id"], "quantity": 1})["cart"]
    # Collected from each store (pick-up), with the address as the contact.
    asked = {
        "currency": product["currency"],
        "address": add_address(soko),
        "delivery": [{"store": group["store"]["id"], "mode": "pickup"} for group in cart["stores"]],
        "payment_method": "card",
    }
    quote = soko.call("POST", "checkout/quote/", json=asked)
    if quote["problems"]:
        raise SystemExit("the checkout cannot be placed: " + " ".join(quote["problems"]))
    say(f"the checkout comes to {quote['total']} {quote['currency']}")
    checkout = soko.call("POST", "checkout/", idempotent=True, json={**asked, "review_token": quote["review_token"]})

    payment = soko.call("POST", f"checkouts/{checkout['id']}/payments/", idempotent=True, json={"method": "card"})
    pay_on_the_development_gateway(urljoin(soko.base + "/", payment["redirect_url"]))
    for _ in range(60):  # the card page's result reaches Soko by the provider's webhook
        status = soko.call("GET", f"checkouts/{checkout['id']}/payment/")
        if status["status"] != "pending" or not status["under_way"]:
            break
        time.sleep(0.5)
    say(f"payment: {status['status']}")

    number = checkout["orders"][0]["number"]
    order = soko.call("GET", f"orders/{number}/")
    say(f"order {number}: {order['status_label']}")

    asked = soko.call(
        "POST",
        "conversations/",
        idempotent=True,
        json={"product": product["slug"], "text": "Can you deliver it on Saturday?"},
    )
    say(f"asked {product['store']['name']} a question (conversation {asked['id']})")

    auctions = soko.call("GET", "auctions/")["results"]
    bid = None
    if auctions:
        auction = soko.call("GET", f"auctions/{auctions[0]['id']}/")
        bid = soko.call(
            "POST", f"auctions/{auction['id']}/bids/", idempotent=True, json={"amount": auction["min_next_bid"]}
        )
        say(f"bid {auction['min_next_bid']} {auction['currency']} on {auction['title']}")
    return {"payment": status["status"], "order": order, "conversation": asked, "bid": bid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the site's address")
    parser.add_argument("--email", default=f"app-{uuid.uuid4().hex[:8]}@example.com", help="the new account's e-mail")
    parser.add_argument(
        "--mail-dir", type=Path, help="the folder the server writes e-mails to (else the code is asked for)"
    )
    parser.add_argument("--search", default="basket", help="what to search for")
    args = parser.parse_args()

    soko = Soko(args.base)
    if args.mail_dir:
        soko.sign_up(args.email, lambda email: code_from_mail_dir(args.mail_dir, email))
    else:
        soko.sign_up(args.email, lambda email: input(f"The code e-mailed to {email}: ").strip())
    print(f"signed up as {args.email}")
    try:
        shop(soko, search=args.search)
    except Refused as refused:
        sys.exit(f"refused: {refused}")


if __name__ == "__main__":
    main()
