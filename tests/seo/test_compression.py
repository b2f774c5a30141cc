"""Static files as production serves them (DEBUG=0, collected by the release step, served by
WhiteNoise through gunicorn): the scripts and styles a page links to come compressed with
brotli or gzip, whichever the browser asks for, and whole to one that asks for neither.
(HTML is compressed by the proxy: docs/deploy/nginx.conf.)"""

import gzip
import re
import urllib.request

import brotli
import pytest
from django.db import connection

from tests.production_server import production_env, production_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "127.0.0.1"


def fetch(url: str, encoding: str) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Encoding", ""), response.read()


def test_the_styles_and_scripts_a_page_links_to_come_compressed(tmp_path):
    env = production_env(host=HOST, workdir=tmp_path, db_name=connection.settings_dict["NAME"], LOG_LEVEL="WARNING")
    with production_gunicorn(env=env, host=HOST, workdir=tmp_path, workers=1) as (url, _proc, _log):
        _, page = fetch(url + "/", "")
        linked = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page.decode())
        assert any("soko." in path for path in linked), linked
        for path in linked:
            plain_encoding, plain = fetch(url + path, "")
            assert plain_encoding == "" and plain, path
            encoding, body = fetch(url + path, "gzip")
            assert encoding == "gzip" and gzip.decompress(body) == plain, path
            encoding, body = fetch(url + path, "gzip, deflate, br")
            assert encoding == "br", path
            assert brotli.decompress(body) == plain and len(body) < len(plain), path
