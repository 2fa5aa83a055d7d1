"""``partnerhub recount_accounts``: rebuild the partners' account counts from the accounts, and
the members' from their assignments."""

from django.core.management.base import BaseCommand

from partnerhub.partnerships.counters import recount


class Command(BaseCommand):
    help = (
        "Rebuild every partner's account counts (referred, managed, total) from the accounts, "
        "and every team member's (referred, managed) from their assigned accounts, and say how "
        "many figures were wrong."
    )

    def handle(self, *args, **options):
        wrong = recount()
        if wrong:
            self.stdout.write(f"Recounted: {wrong} figure{'s' if wrong != 1 else ''} corrected.")
        else:
            self.stdout.write("Recounted: every figure was right.")
