"""The ``STORAGES`` of an S3-compatible object store (AWS S3, MinIO, Ceph, R2...), which the
settings use when ``SOKO_S3_BUCKET`` is set (shop.media.services.storage says what goes where)."""

from urllib.parse import urlsplit


def object_store_storages(
    *,
    bucket: str,
    private_bucket: str = "",
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    addressing_style: str = "",
    media_url: str = "/media/",
    signed_seconds: int = 60,
) -> dict:
    """``default``: public pictures under ``media/``, addressed through ``media_url``'s host
    when it names one (a CDN), else the object store's own; ``originals``: private files
    under ``private/`` (or in ``private_bucket``), reached only by addresses signed for
    ``signed_seconds``."""
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "addressing_style": addressing_style or None,
        "signature_version": "s3v4",
        "file_overwrite": True,  # names are content hashes or unique numbers
    }
    media = urlsplit(media_url)
    served_by = {"custom_domain": media.netloc + media.path.rstrip("/"), "url_protocol": f"{media.scheme}:"} if media.netloc else {}
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "location": "media",
                "querystring_auth": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
                **served_by,
            },
        },
        "originals": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket or bucket,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": signed_seconds,
            },
        },
    }


def object_store_pictures_origin(*, bucket: str, endpoint_url: str = "", media_url: str = "/media/") -> str:
    """The origin browsers fetch pictures from when no ``media_url`` host serves them (for
    the Content-Security-Policy); "" when one does."""
    if urlsplit(media_url).netloc:
        return ""
    endpoint = urlsplit(endpoint_url or f"https://{bucket}.s3.amazonaws.com")
    return f"{endpoint.scheme}://{endpoint.netloc}"
