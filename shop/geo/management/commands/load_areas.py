from django.core.management.base import BaseCommand, CommandError

from shop.geo.models import KIND_LEVELS
from shop.geo.services import AreaDataError, area_data_countries, areas_load


class Command(BaseCommand):
    help = (
        "Load the area trees shipped in shop/geo/data (countries, regions, districts, "
        "neighbourhoods). Safe to run again: existing areas are updated, nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--country",
            action="append",
            dest="countries",
            metavar="CODE",
            help=f"ISO code of a country to load ({', '.join(area_data_countries())}); repeat for several. "
            "Default: all of them.",
        )

    def handle(self, *args, countries=None, **options):
        try:
            results = areas_load(country_codes=countries)
        except AreaDataError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            levels = ", ".join(
                f"{result.by_kind[kind]} {kind}{'' if result.by_kind[kind] == 1 else 's'}" for kind in KIND_LEVELS[1:]
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.country.name} ({result.country.code}): {levels} — "
                    f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
                )
            )
