from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum
from rich.console import Console

from partnerhub.core.errors import ServiceError
from partnerhub.earnings.close import CloseRunning, month_close
from partnerhub.earnings.models import LedgerLine
from partnerhub.earnings.rules import format_minor, parse_month


class Command(BaseCommand):
    help = "Close a month: write its earnings lines (idempotent; a closed month never changes)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        console = Console(stderr=False)
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            with console.status(f"Closing {first:%B %Y}…"):
                try:
                    result = month_close(month=first, wait=False)
                except CloseRunning as running:
                    # Wait for the other run; the month is then closed already, or this run
                    # closes it (if the other closed another month, or died).
                    console.print(f"{running.message.capitalize()}: waiting for it to finish…")
                    result = month_close(month=first)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        close = result.close
        verb = "Closed" if result.created else "Already closed"
        console.print(f"[bold]{verb} {close.month:%B %Y}[/bold]: {close.line_count:,} lines")
        totals = (
            LedgerLine.objects.filter(close=close)
            .values("line_type", "currency")
            .annotate(total=Sum("amount_minor"), n=Count("id"))
            .order_by("currency", "line_type")
        )
        for row in totals:
            console.print(
                f"  {row['line_type']:<18} {row['n']:>9,}  {format_minor(row['total'], row['currency']):>20}"
            )
