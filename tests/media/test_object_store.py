"""Files on an S3-compatible object store, as several machines share them: a local S3 server
(moto in server mode) spoken to over HTTP by the real boto3 client through django-storages,
configured exactly as ``SOKO_S3_*`` configures production (site_config.object_store).
Pictures land in the public prefix and are fetched from the store's own address; originals,
invoices and exports land in the private bucket and reach only the people allowed to read
them, by an address signed for a minute."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from shop.media.services.images import image_process, image_store
from shop.moderation.exports.services import export_build
from shop.moderation.models import Export
from shop.orders.models import Order
from shop.payments.models import Invoice
from site_config.object_store import object_store_storages
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory

from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db
PUBLIC, PRIVATE = "soko-files", "soko-private"
KEYS = {"access_key": "soko-test", "secret_key": "soko-test-secret", "region": "us-east-1"}
PUBLIC_PICTURES = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{PUBLIC}/media/*"}
    ],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3 server for the module, with the public and the private bucket."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        client = s3_client(endpoint)
        for bucket in (PUBLIC, PRIVATE):
            client.create_bucket(Bucket=bucket)
        # What the README asks of an operator: anyone may read the pictures under media/.
        client.put_bucket_policy(Bucket=PUBLIC, Policy=json.dumps(PUBLIC_PICTURES))
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region"],
    )


@pytest.fixture
def object_store(settings, s3_endpoint):
    """The site's storages on the object store, as ``SOKO_S3_*`` would set them."""
    settings.STORAGES = settings.STORAGES | object_store_storages(
        bucket=PUBLIC, private_bucket=PRIVATE, endpoint_url=s3_endpoint, signed_seconds=60, **KEYS
    )
    return s3_client(s3_endpoint)


def keys_in(client, bucket: str) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def fetched(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_a_picture_is_kept_privately_and_its_renditions_are_served_by_the_object_store(object_store, media_root):
    image = image_store(upload=upload("photo.jpg", picture_bytes("JPEG", size=(400, 300))))
    image = image_process(image_id=image.pk)
    assert image.status == "ready", image.failure_reason

    assert keys_in(object_store, PRIVATE) >= {f"private/{image.original_name}"}
    renditions = keys_in(object_store, PUBLIC)
    assert renditions and all(key.startswith("media/images/renditions/") for key in renditions)
    assert not keys_in(object_store, PUBLIC) & {f"media/{image.original_name}"}
    assert not any(media_root.rglob("*.jpg")) and not any(media_root.rglob("*.webp")), "nothing on local disk"

    src = image.url(fmt="jpeg")
    assert src.startswith(f"{object_store.meta.endpoint_url}/{PUBLIC}/media/images/renditions/")
    assert fetched(src).startswith(b"\xff\xd8")  # a JPEG, from the store itself
    with pytest.raises(urllib.error.HTTPError) as original:  # the original keeps its EXIF: never public
        fetched(f"{object_store.meta.endpoint_url}/{PRIVATE}/private/{image.original_name}")
    assert original.value.code == 403


def signed_download(response, client) -> bytes:
    """The bytes behind a redirect to a signed, short-lived object-store address."""
    assert response.status_code == 302 and "no-store" in response["Cache-Control"]
    location = response["Location"]
    address = urlsplit(location)
    query = parse_qs(address.query)
    assert address.path.startswith(f"/{PRIVATE}/private/")
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"], location
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        fetched(f"{address.scheme}://{address.netloc}{address.path}")
    assert unsigned.value.code == 403  # without the signature, nobody reads it
    return fetched(location)


def test_an_invoice_is_handed_to_its_buyer_and_store_only_by_a_signed_address(object_store, client):
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(status="delivered")
    invoice = Invoice.objects.create(order=order, number=f"INV-{order.number}")
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(b"%PDF-1.7 an invoice"))
    assert keys_in(object_store, PRIVATE) >= {f"private/invoices/{invoice.number}.pdf"}
    url = reverse("orders:invoice", args=[order.number])

    for reader in (order.buyer, order.store.memberships.get().user):
        client.force_login(reader)
        assert signed_download(client.get(url), object_store) == b"%PDF-1.7 an invoice"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_staff_export_is_written_to_the_object_store_and_downloaded_by_its_requester_only(object_store, admin_client, admin_user, client):
    OrderFactory()
    today = date.today()
    export = Export.objects.create(requested_by=admin_user, kind="orders", date_from=today, date_to=today)
    export_build(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert f"private/{export.file.name}" in keys_in(object_store, PRIVATE)
    link = f"/admin/moderation/export/{export.pk}/download/"
    rows = signed_download(admin_client.get(link), object_store).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("number,") and len(rows) == 2
    client.force_login(UserFactory(is_staff=True))
    assert client.get(link).status_code == 403
