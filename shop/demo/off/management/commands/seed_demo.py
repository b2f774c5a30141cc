from django.core.management.base import BaseCommand, CommandError

REFUSAL = (
    "seed_demo refuses to run: the demo is off (DEBUG=0 without SOKO_DEMO=1). It creates accounts, "
    "staff included, with a published password. To seed a demonstration site on purpose, set SOKO_DEMO=1."
)


class Command(BaseCommand):
    help = "Demo data is off on this site (DEBUG=0 without SOKO_DEMO=1): this command only says so."

    def handle(self, *args, **options):
        raise CommandError(REFUSAL)
