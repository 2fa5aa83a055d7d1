"""Every CSV the product writes goes through here, so that it is safe to open in a spreadsheet
(OWASP's CSV injection rule): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would be read as a formula, so it gets a leading single quote. A cell that is
a plain number (``-2.00``, ``-15``, ``7``) stays as it is, so totals still add up in a
spreadsheet and in programs that read the files."""

import csv
import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> _SafeWriter:
    """``csv.writer`` whose every cell is made safe."""
    return _SafeWriter(csv.writer(out, **kwargs))


class DictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose every cell is made safe."""

    def writerow(self, rowdict):
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)
