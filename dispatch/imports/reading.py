"""A utility's export file to rows of text: CSV (UTF-8 with or without BOM, or GBK/GB18030 as
Chinese Windows Excel saves it, optionally gzipped) or XLSX (the first sheet).

Every value becomes stripped text, as the systems meant it: Excel keeps a phone number or an
account id typed into a General cell as a number (13800000000.0), which is written back as
13800000000. A row with more values than the header has columns is kept aside as a rejected
row (an unquoted comma in an address), not a reason to refuse the whole file.
"""

import codecs
import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.utils.translation import gettext as _

from dispatch.imports.columns import ImportRefusedError

ENCODINGS = ("utf-8-sig", "gb18030")  # tried in this order; GB18030 is a superset of GBK


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, values), blank lines left out
    encoding: str = ""  # '' for XLSX
    misshapen: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def file_format(name: str) -> str:
    """'csv' or 'xlsx', from the file's name (a .csv.gz is a compressed CSV)."""
    lower = name.lower()
    if lower.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    raise ImportRefusedError(
        _("%s is neither a CSV (.csv) nor an Excel (.xlsx) file: save it as one of them.") % name,
        field="file",
    )


def csv_decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in.

    UTF-8 is tried first: GBK text is practically never valid UTF-8 (its two-byte characters
    break UTF-8's continuation rules), while any byte string decodes as GB18030.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except LookupError as error:
            raise ImportRefusedError(
                _("unknown encoding %s: use utf-8 or gb18030, or leave it out to detect it")
                % encoding,
                field="encoding",
            ) from error
        except UnicodeDecodeError as error:
            raise ImportRefusedError(
                _(
                    "the file is not %(encoding)s text (byte %(at)d): leave the encoding out to "
                    "detect it, or save the file as CSV UTF-8"
                )
                % {"encoding": encoding, "at": error.start},
                field="encoding",
            ) from error
    for candidate in ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ImportRefusedError(  # unreachable while GB18030 is in the list; kept for clarity
        _("the file is neither UTF-8 nor GBK/GB18030 text: save it as CSV UTF-8"),
        field="encoding",
    )


def cell_text(value: object) -> str:
    """A cell's value as the text the exporting system meant."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def table_read(path: Path, *, name: str = "", encoding: str = "") -> Table:
    """The file's header and rows as text."""
    name = name or path.name
    data = path.read_bytes()
    if name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    if file_format(name) == "xlsx":
        return _xlsx(data)
    text, used = csv_decode(data, encoding)
    table = _table(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    table.encoding = used
    return table


def _xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportRefusedError(
            _("the Excel file could not be read (%s): open it in Excel and save it again") % error,
            field="file",
        ) from error
    sheet = book.worksheets[0]
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    return _table((line, [cell_text(v) for v in row]) for line, row in rows)


def _table(rows: Iterable[tuple[int, list[str]]]) -> Table:
    table = Table(headers=[], rows=[])
    for line, row in rows:
        values = [v.strip() if isinstance(v, str) else cell_text(v) for v in row]
        if not table.headers:
            if any(values):
                table.headers = values
            continue
        if not any(values):
            continue
        width = len(table.headers)
        if len(values) > width:
            if any(values[width:]):
                table.misshapen.append(
                    (
                        line,
                        _(
                            "%(found)d values for %(width)d columns: a comma inside a value "
                            "must be quoted"
                        )
                        % {"found": len(values), "width": width},
                    )
                )
                continue
            values = values[:width]
        table.rows.append((line, values + [""] * (width - len(values))))
    if not table.headers:
        raise ImportRefusedError(_("the file is empty"), field="file")
    return table
