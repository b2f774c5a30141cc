from django.core.management.base import BaseCommand

from shop.media.models import RENDITION_FORMATS, StoredImage
from shop.media.services.images import image_cids_fill


def _lacks_cids(image: StoredImage) -> bool:
    if not image.cid:
        return True
    return any(
        fmt in rendition and fmt not in rendition.get("cids", {})
        for rendition in image.renditions.values()
        for fmt in RENDITION_FORMATS
    )


class Command(BaseCommand):
    help = (
        "Gives pictures stored before content IDs existed the CID of their original and of each rendition "
        "(read back from storage), and pins their renditions when a pinning service is set. Safe to run again."
    )

    def handle(self, *args, **options):
        filled = missing = 0
        for image in StoredImage.objects.order_by("pk").iterator(chunk_size=200):
            if not _lacks_cids(image):
                continue
            try:
                filled += image_cids_fill(image=image)
            except FileNotFoundError as exc:
                missing += 1
                self.stderr.write(f"picture {image.pk}: a file is missing from storage ({exc}); left without its CIDs")
        self.stdout.write(f"{filled} pictures given their content IDs, {missing} with files missing")
