from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every stored file lands in a throwaway folder, never in the repository.

    Returns the folder holding both the served media (``media/``) and the private
    originals beside it (``media-private/``), so "nothing stored" checks see both."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return tmp_path
