"""Names in the import files follow the rules every surface shares: one line, nothing a
column cannot store. A name with a line break would break every e-mail that names it."""

import pytest

from partnerhub.imports.tests import test_import

pytestmark = pytest.mark.django_db

examples = test_import.examples  # a copy of the example set, as a fixture
_edit, _errors, _row_counts = test_import._edit, test_import._errors, test_import._row_counts

ONE_LINE = "must be one line, without line breaks, tabs or control characters"


@pytest.mark.parametrize("name", ["Acme\r\nBcc: someone@example.test", "Acme\nShop", "Acme\tShop"])
def test_a_name_with_a_line_break_or_tab_is_refused_and_nothing_is_imported(examples, name):
    _edit(examples, "accounts.csv", 2, "organization_name", name)
    before = _row_counts()

    assert _errors(examples) == [f"accounts.csv:2 column organization_name: {ONE_LINE}"]
    assert _row_counts() == before


def test_a_blank_name_is_missing(examples):
    _edit(examples, "accounts.csv", 2, "owner_name", "   ")

    assert _errors(examples) == ["accounts.csv:2 column owner_name: is required"]
