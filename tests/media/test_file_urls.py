"""A stored file's URL, worked out from the storage's prefix where its URLs are one, is
always what the storage itself would answer."""

import pytest
from django.core.files.storage import storages

from shop.media.models import stored_file_url

NAMES = [
    "images/renditions/ab/abcdef-480.webp",
    "images/renditions/ab/abcdef-1000.jpg",
    "a name with spaces.jpg",
    "images/ĉapelo.webp",
    "images/a?b#c.jpg",
    "../outside.jpg",
]


@pytest.mark.parametrize("name", NAMES)
def test_each_name_gets_the_storages_own_url(name):
    assert stored_file_url(name) == storages["default"].url(name)


def test_a_new_media_url_is_taken_at_once(settings):
    stored_file_url(NAMES[0])

    settings.MEDIA_URL = "https://media.example.com/m/"

    assert stored_file_url(NAMES[0]) == f"https://media.example.com/m/{NAMES[0]}"
    assert stored_file_url(NAMES[2]) == storages["default"].url(NAMES[2])


class SigningStorage:
    """A private bucket's storage: every address carries its own signature."""

    def __init__(self):
        self.asked = []

    def url(self, name):
        self.asked.append(name)
        return f"https://bucket.example.com/{name}?signature={len(self.asked)}"


def test_a_storage_that_signs_its_addresses_is_asked_for_each_one(monkeypatch):
    storage = SigningStorage()
    monkeypatch.setattr("shop.media.models.storages", {"default": storage})

    first, second = stored_file_url(NAMES[0]), stored_file_url(NAMES[0])

    assert first != second and storage.asked.count(NAMES[0]) == 2
