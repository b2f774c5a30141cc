from django.core.management.base import BaseCommand, CommandError

from shop.moderation.services.roles import RoleError, roles_sync


class Command(BaseCommand):
    help = "Create the staff groups (Moderators, Support, Finance) with exactly their permissions. Safe to run again."

    def handle(self, *args, **options):
        try:
            counts = roles_sync()
        except RoleError as error:
            raise CommandError(str(error)) from error
        listed = ", ".join(f"{name} ({count} permissions)" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Staff roles ready: {listed}."))
