"""``manage.py ledger_audit``: the ledger's totals and whatever does not hold (a restored
backup is trusted once this says nothing is wrong and its totals match the source's).
``--json`` prints one JSON object; the exit status is 1 when something does not hold."""

import json

from django.core.management.base import BaseCommand, CommandError

from shop.orders.selectors.ledger_audit import ledger_problems, ledger_summary


class Command(BaseCommand):
    help = "Check that the ledger balances and agrees with the orders; print its totals."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        summary, problems = ledger_summary(), ledger_problems()
        if options["json"]:
            self.stdout.write(json.dumps({"summary": summary, "problems": problems}, sort_keys=True))
        else:
            for name, value in summary.items():
                self.stdout.write(f"{name}: {value}")
            for problem in problems:
                self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"{len(problems)} problems in the ledger.")
