import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from partnerhub.pricing.models import StatementClose
from partnerhub.pricing.tests.builders import children, organization

pytestmark = pytest.mark.django_db


def test_the_command_closes_a_month_and_prints_its_totals(capsys):
    org = organization()
    children(org, 5)
    call_command("close_statements", "--month", "2026-01")
    out = capsys.readouterr().out
    assert "Closed January 2026: 1 statements, 5 lines" in out
    assert "discount" in out and "10.00 USD" in out and "90.00 USD" in out
    call_command("close_statements", "--month", "2026-01")
    assert "Already closed January 2026" in capsys.readouterr().out
    assert StatementClose.objects.get().month == dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-1", "is not a month"), ("2026-03", "months close in order"), ("2999-01", "not ended")],
)
def test_the_command_refuses_with_a_clear_message(month, message):
    organization()
    call_command("close_statements", "--month", "2026-01")
    with pytest.raises(CommandError, match=message):
        call_command("close_statements", "--month", month)
