"""Every stored picture, original and renditions, carries the content ID that ``ipfs add`` gives
its bytes, so a file added to any IPFS node is found under the CID Soko shows.

Soko's CIDs are checked against an independent implementation: the reference JavaScript
importer (ipfs-unixfs-importer, the one js-ipfs and Helia use) in the legacy ``ipfs add``
profile, run by node from ``tests/tools/ipfs`` (installed by ``make install-test``:
``npm ci --prefix tests/tools/ipfs``), and against the CIDs IPFS's own documentation prints."""

import base64
import io
import os
import random
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.core.management import call_command

from shop.catalog.models import ProductImage
from shop.media.models import StoredImage
from shop.media.services.cid import CHUNK_BYTES, content_id, content_id_of_file
from shop.media.services.images import image_store
from tests.factories.catalog import ProductFactory

from .pictures import picture_bytes, upload

REFERENCE = Path(settings.BASE_DIR) / "tests" / "tools" / "ipfs"
SEED = 37
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def reference_cid():
    """The CIDv1 the reference importer gives a file; fails (SOKO_REQUIRE_SERVICES=1) or skips
    when the importer is not installed."""
    problem = None
    if shutil.which("node") is None:
        problem = "needs node to run the reference IPFS importer"
    elif not (REFERENCE / "node_modules" / "ipfs-unixfs-importer").is_dir():
        problem = "needs the reference IPFS importer: npm ci --prefix tests/tools/ipfs (make install-test does it)"
    if problem:
        if os.environ.get("SOKO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but this test {problem}", pytrace=False)
        pytest.skip(problem)

    def cid_of(path: Path) -> str:
        done = subprocess.run(
            ["node", str(REFERENCE / "cid.mjs"), str(path)], capture_output=True, text=True, timeout=60, check=True
        )
        v1, v0 = done.stdout.split()
        assert v1.startswith("bafy") and v0.startswith("Qm")
        return v1

    return cid_of


def multihash_of_v1(cid: str) -> bytes:
    """The multihash inside a base32 CIDv1 of dag-pb (prefix 0x01 0x70)."""
    assert cid[0] == "b"
    raw = base64.b32decode(cid[1:].upper() + "=" * (-len(cid[1:]) % 8))
    assert raw[:2] == bytes([0x01, 0x70])
    return raw[2:]


def multihash_of_v0(cid: str) -> bytes:
    """A CIDv0 (``Qm…``) is its multihash in base58btc."""
    number = 0
    for char in cid:
        number = number * 58 + BASE58.index(char)
    return number.to_bytes(34, "big")


@pytest.mark.parametrize(
    "size",
    [1, CHUNK_BYTES, CHUNK_BYTES + 1, 5 * 1024 * 1024],
    ids=["1 byte", "256 KiB", "256 KiB + 1", "5 MiB"],
)
def test_a_files_cid_is_the_one_the_reference_importer_gives(size, tmp_path, reference_cid):
    content = random.Random(SEED + size).randbytes(size)
    path = tmp_path / "file.bin"
    path.write_bytes(content)

    expected = reference_cid(path)

    assert content_id(content) == expected
    with path.open("rb") as file:
        assert content_id_of_file(file) == expected


@pytest.mark.parametrize(
    ("content", "published"),
    [
        (
            b"hello world\n",
            "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
        ),  # echo "hello world" > hello; ipfs add hello
        (b"", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"),  # ipfs add of an empty file
    ],
    ids=["hello world", "empty file"],
)
def test_the_cids_ipfs_publishes_are_found_under_sokos_cid(content, published):
    cid = content_id(content)

    assert cid.startswith("bafybei")
    assert multihash_of_v1(cid) == multihash_of_v0(published)


def test_a_file_is_read_a_chunk_at_a_time_not_held_whole(tmp_path):
    path = tmp_path / "large.bin"
    path.write_bytes(random.Random(SEED).randbytes(5 * 1024 * 1024))

    with path.open("rb") as file:
        tracemalloc.start()
        try:
            cid = content_id_of_file(file)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert cid == content_id(path.read_bytes())
    assert peak < 4 * CHUNK_BYTES, f"{peak} bytes held at once for a 5 MiB file"


def test_a_stream_that_answers_in_small_pieces_gets_the_same_cid():
    content = random.Random(SEED).randbytes(CHUNK_BYTES * 2 + 10)

    class Trickle(io.RawIOBase):
        """A socket-like stream: never more than 1000 bytes per read."""

        def __init__(self):
            self.source = io.BytesIO(content)

        def readable(self):
            return True

        def read(self, size=-1):
            return self.source.read(min(size, 1000) if size >= 0 else 1000)

    assert content_id_of_file(Trickle()) == content_id(content)


@pytest.mark.django_db
def test_an_uploaded_picture_and_each_rendition_carry_the_cid_ipfs_add_gives_them(
    django_capture_on_commit_callbacks, tmp_path, reference_cid
):
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(upload=upload("kikoi.jpg", picture_bytes("JPEG", size=(1400, 1000))))
    image.refresh_from_db()

    assert image.status == StoredImage.Status.READY
    with storages["originals"].open(image.original_name, "rb") as original:
        (tmp_path / "original").write_bytes(original.read())
    assert image.cid == reference_cid(tmp_path / "original")
    for width, rendition in image.renditions.items():
        for fmt in ("webp", "jpeg"):
            served = tmp_path / f"{width}.{fmt}"
            with default_storage.open(rendition[fmt], "rb") as file:
                served.write_bytes(file.read())
            assert rendition["cids"][fmt] == reference_cid(served), (width, fmt)
    # The model says which CID belongs to the file a page is given.
    assert image.rendition_cid(480, "jpeg") == image.renditions["480"]["cids"]["jpeg"]
    assert image.rendition_cid() == image.renditions["1200"]["cids"]["webp"]


@pytest.mark.django_db
def test_the_same_upload_again_keeps_its_one_cid(django_capture_on_commit_callbacks):
    photo = picture_bytes("PNG", size=(300, 200))
    with django_capture_on_commit_callbacks(execute=True):
        first = image_store(upload=upload("a.png", photo, "image/png"))
        again = image_store(upload=upload("b.png", photo, "image/png"))

    assert again.pk == first.pk
    assert StoredImage.objects.get(pk=first.pk).cid == content_id(photo)


@pytest.mark.django_db
def test_pictures_stored_before_cids_are_given_theirs_by_the_fill_command(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(upload=upload("mat.jpg", picture_bytes("JPEG", size=(900, 600))))
    image.refresh_from_db()
    known = (image.cid, image.renditions)
    StoredImage.objects.filter(pk=image.pk).update(
        cid="",
        renditions={
            width: {key: value for key, value in rendition.items() if key != "cids"}
            for width, rendition in image.renditions.items()
        },
    )
    out = io.StringIO()

    call_command("media_cids_fill", stdout=out)

    image.refresh_from_db()
    assert (image.cid, image.renditions) == known
    assert "1 pictures given their content IDs, 0 with files missing" in out.getvalue()
    out = io.StringIO()
    call_command("media_cids_fill", stdout=out)
    assert "0 pictures given their content IDs" in out.getvalue()


@pytest.mark.django_db
def test_the_api_gives_each_product_picture_with_its_cid(client, django_capture_on_commit_callbacks):
    product = ProductFactory(title="Kikoi")
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(upload=upload("kikoi.jpg", picture_bytes("JPEG", size=(800, 600))))
    image.refresh_from_db()
    ProductImage.objects.create(product=product, image=image, alt="Kikoi", position=0)

    answer = client.get(f"/api/v1/products/{product.slug}/")

    assert answer.status_code == 200
    [picture] = answer.json()["pictures"]
    assert picture["cid"] == image.renditions["800"]["cids"]["webp"]
    assert picture["url"].endswith(image.renditions["800"]["webp"])
