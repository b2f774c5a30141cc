import pytest


@pytest.fixture(autouse=True)
def demo_media(settings, tmp_path):
    """Demo pictures go to a throwaway folder, not the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "media-private")
