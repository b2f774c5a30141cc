"""``/metrics``: Soko's own figures for Prometheus, behind a bearer token, read from the
database so every process tells the same; the alerting rules in docs/deploy/alerts.yml name
only figures /metrics has, and promtool accepts them."""

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from shop.auctions.models import Auction
from shop.core.tasks import worker_heartbeat_task
from shop.payments.models import PaymentAttempt
from tests.factories.auctions import live_auction
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"
RULES = Path(settings.BASE_DIR) / "docs/deploy/alerts.yml"


@pytest.fixture
def scrape(client, settings):
    settings.SOKO_METRICS_TOKEN = TOKEN

    def read() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return read


def value(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{label}"' for key, label in labels.items())
    pattern = rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{re.escape(name)} (\S+)$"
    found = re.search(pattern, text, re.M)
    assert found, f"{name} {labels} not in /metrics"
    return float(found.group(1))


def test_metrics_exist_only_with_a_token_and_answer_only_to_it(client, settings):
    settings.SOKO_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.SOKO_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_figures_follow_what_happened(scrape):
    for status in ("succeeded", "succeeded", "failed"):
        PaymentAttempt.objects.create(
            checkout=OrderFactory().checkout, gateway="mpesa", provider="mpesa", amount_minor=100, currency="KES", status=status
        )
    ended = live_auction()
    Auction.objects.filter(pk=ended.pk).update(starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() - timedelta(minutes=3))
    worker_heartbeat_task.call_local()

    text = scrape()
    assert value(text, "soko_payment_attempts_total", method="mpesa", status="succeeded") == 2
    assert value(text, "soko_payment_attempts_total", method="mpesa", status="failed") == 1
    assert value(text, "soko_auctions_overdue") == 1
    assert 0 <= value(text, "soko_worker_heartbeat_age_seconds") < 60
    assert value(text, "soko_webhooks_waiting") == 0 and value(text, "soko_image_failures_total") == 0
    # Requests are counted by status class, this scrape's own included next time.
    assert value(scrape(), "soko_request_duration_seconds_count", method="GET", status="2xx") >= 1


def test_every_alert_names_only_figures_metrics_has(scrape):
    suffixes = {"counter": ["", "_total"], "gauge": [""], "histogram": ["_bucket", "_count", "_sum"]}
    exposed = {
        name + suffix
        for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", scrape(), re.M)
        for suffix in suffixes.get(kind, [""])
    }
    rules = yaml.safe_load(RULES.read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert alerts and all({"alert", "expr", "labels", "annotations"} <= set(rule) for rule in alerts)
    named = {name for rule in alerts for name in re.findall(r"\bsoko_[a-z_]+", rule["expr"])}
    assert named and named <= exposed, named - exposed


def test_promtool_accepts_the_alerting_rules():
    promtool = shutil.which("promtool")
    if promtool is None:
        if settings.SOKO_REQUIRE_SERVICES:
            pytest.fail("promtool is not installed (.ci/run installs it)")
        pytest.skip("promtool is not installed")
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 11 rules found" in checked.stdout


def test_page_cache_lookups_are_counted_as_hits_and_misses(scrape):
    from django.test import Client

    from tests.factories.catalog import ProductFactory

    product = ProductFactory()

    def counted() -> tuple[float, float]:
        text = scrape()
        return tuple(
            value(text, "soko_page_cache_lookups_total", result=kind) if f'result="{kind}"' in text else 0
            for kind in ("miss", "hit")
        )

    misses, hits = counted()
    for _ in range(3):
        Client().get(f"/p/{product.slug}/")  # a page is kept from its second request on: two render, one hits
    assert counted() == (misses + 2, hits + 1)
