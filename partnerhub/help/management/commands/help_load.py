from django.core.management.base import BaseCommand

from partnerhub.help.loading import articles_load


class Command(BaseCommand):
    help = (
        "Load the help articles shipped with PartnerHub (migrate does it too): new ones are "
        "published, changed ones get a new version unless staff wrote one since."
    )

    def handle(self, *args, **options):
        counts = articles_load(say=self.stdout.write)
        self.stdout.write(
            "Help articles: {created} created, {updated} updated, {unchanged} unchanged, "
            "{kept} kept as staff wrote them.".format(**counts)
        )
