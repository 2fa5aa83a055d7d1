from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.text import Text

from partnerhub.imports.services import ImportFailed, import_directory


class Command(BaseCommand):
    help = (
        "Import partners.csv, accounts.csv, partnerships.csv, invoices.csv and refunds.csv from "
        "DIR: every row is checked first, then all are applied, or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        console = Console()
        try:
            with console.status(f"Importing {directory}…"):
                result = import_directory(directory)
        except ImportFailed as failed:
            # Plain text, never markup: a cell may hold anything, "[/x]" included.
            for error in failed.errors[:200]:
                console.print(Text(str(error), style="red"), highlight=False, soft_wrap=True)
            more = failed.count - min(len(failed.errors), 200)
            if more > 0:
                console.print(Text(f"… and {more:,} more"))
            raise CommandError(f"nothing was imported: {failed.count} error(s)") from None
        for what, n in result.created.items():
            unchanged = result.unchanged.get(what, 0)
            console.print(
                f"{what:<13} {n:>8,} new" + (f", {unchanged:,} unchanged" if unchanged else "")
            )
