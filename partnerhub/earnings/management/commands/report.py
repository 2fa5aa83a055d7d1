from django.core.management.base import BaseCommand, CommandError

from partnerhub.earnings.reports import report_csv, report_json
from partnerhub.earnings.rules import parse_month
from partnerhub.partners.models import Partner


def find_partner(ident: str) -> Partner:
    partner = Partner.objects.filter(external_id=ident).first()
    if partner is None and ident.isdigit():
        partner = Partner.objects.filter(pk=int(ident)).first()
    if partner is None:
        raise CommandError(f"no partner with id {ident!r}")
    return partner


class Command(BaseCommand):
    help = "Print a partner's earnings lines for a month (CSV, or JSON with totals)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--partner", required=True, help="the partner's id (as imported) or number"
        )
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, partner: str, month: str, format: str, **options):
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        found = find_partner(partner)
        render = report_csv if format == "csv" else report_json
        self.stdout.write(
            render(partner_id=found.pk, month=first), ending="" if format == "csv" else "\n"
        )
