from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from partnerhub.core.errors import ServiceError
from partnerhub.earnings.rules import format_minor, parse_month
from partnerhub.pricing.models import StatementClose
from partnerhub.pricing.services import StatementCloseRunning, statements_close


class Command(BaseCommand):
    help = (
        "Close a month's Single Bill statements, one per partner on Single Bill (idempotent; "
        "a closed statement never changes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        console = Console(stderr=False)
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        progress = Progress(
            TextColumn(f"Closing {first:%B %Y}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("statements"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        task = progress.add_task("close", total=None)

        def tell(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            with progress:
                try:
                    result = statements_close(month=first, wait=False, progress=tell)
                except StatementCloseRunning:
                    progress.console.print("Another close is running: waiting for it to finish…")
                    result = statements_close(month=first, progress=tell)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        close: StatementClose = result.close
        verb = "Closed" if result.created else "Already closed"
        console.print(
            f"[bold]{verb} {close.month:%B %Y}[/bold]: {close.statement_count:,} statements, "
            f"{close.line_count:,} lines"
        )
        totals = {}
        for statement in close.statements.prefetch_related("lines"):
            for line in statement.lines.all():
                t = totals.setdefault(line.currency, [0, 0, 0])
                t[0] += line.amount_minor
                t[1] += line.discount_minor
                t[2] += line.total_minor
        for currency, (amount, discount, total) in sorted(totals.items()):
            console.print(
                f"  list {format_minor(amount, currency)}, discount "
                f"{format_minor(discount, currency)}, total {format_minor(total, currency)}",
                soft_wrap=True,
            )
