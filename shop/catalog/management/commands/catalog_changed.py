from django.core.management.base import BaseCommand

from shop.catalog.services.stamp import catalog_changed


class Command(BaseCommand):
    help = "Moves the catalog's stamp on, so pages cached by an earlier release are not served (the release step runs it)."

    def handle(self, *args, **options):
        catalog_changed()
        self.stdout.write("catalog stamp moved on")
