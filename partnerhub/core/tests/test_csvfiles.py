"""CSV cells that a spreadsheet would read as a formula are neutralised; plain numbers are not.
And no module writes a CSV except through the one helper."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from partnerhub.core.csvfiles import DictWriter, safe_cell, writer


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x.test")', '\'=HYPERLINK("http://x.test")'),
        ("+1+1", "'+1+1"),
        ("-1-1", "'-1-1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-", "'-"),
        ("-2.00", "-2.00"),
        ("-15", "-15"),
        ("+7", "+7"),
        ("45.00", "45.00"),
        (Decimal("-2.50"), "-2.50"),
        (-15, "-15"),
        ("Revenue share 20% of 120.00 USD", "Revenue share 20% of 120.00 USD"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_a_cell_is_neutralised_only_when_a_spreadsheet_would_compute_it(value, cell):
    assert safe_cell(value) == cell


def test_both_writers_make_every_cell_safe():
    out = io.StringIO()
    writer(out, lineterminator="\n").writerow(["=1+1", "-2.00", "ok"])
    dict_out = io.StringIO()
    w = DictWriter(dict_out, fieldnames=["id", "amount"], lineterminator="\n")
    w.writeheader()
    w.writerows([{"id": "-1-1", "amount": "-2.00"}])

    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=1+1", "-2.00", "ok"]]
    assert list(csv.reader(io.StringIO(dict_out.getvalue()))) == [
        ["id", "amount"],
        ["'-1-1", "-2.00"],
    ]


def test_no_module_writes_a_csv_except_through_the_helper():
    # csv.writer and csv.DictWriter are used only by the helper; every CSV goes through it.
    root = Path(__file__).resolve().parents[2]
    helper = root / "core" / "csvfiles.py"
    direct = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != helper and "tests" not in path.parts and direct.search(path.read_text())
    )
    assert offenders == []
