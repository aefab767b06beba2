"""The timeline's files open where Chinese is read: the PDF carries its CJK font (a subset,
embedded), the CSV starts with a byte-order mark, the XLSX holds the text as typed. Each is
fetched from its page and read back by another program: poppler's pdffonts and pdftotext,
Python's csv, openpyxl."""

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook
from reportlab.pdfbase.ttfonts import TTFont

from dispatch.models import Incident, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.notes import incident_note_add
from gis.models import OrgUnit, Premise
from maps.exports import CJK_FONT_PATHS, CSV_COLUMNS, cjk_font_path
from tests.dispatch.conftest import city  # noqa: F401 - the fixture

ADDRESS = "南宁市青秀区民族大道100号"
CALLER = "黄建国"
SAID = "楼道里煤气味很重"
NOTE = "=SUM(A1) 阀门已关闭"  # a note a spreadsheet must not run


@dataclass
class Exported:
    incident: Incident
    client: Client

    def get(self, fmt: str) -> bytes:
        response = self.client.get(f"/incidents/{self.incident.reference}/timeline.{fmt}")
        assert response.status_code == 200, fmt
        return response.content


@pytest.fixture
def exported(city: dict[str, OrgUnit]) -> Exported:  # noqa: F811
    taker = user_create(
        username="ct", password="pw", role=Role.CALL_TAKER, org_unit=city["gx-city"]
    )
    # A dispatcher's exports: the caller's name and words are in them.
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=city["gx-city"]
    )
    premise = Premise.objects.order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(
            category="leak_indoor",
            point=premise.geom,
            address_text=ADDRESS,
            caller_phone="13911110000",
            caller_name=CALLER,
            description=SAID,
        ),
        taker=taker,
    )
    incident = call_open_incident(call_id=call.id, actor=taker)
    incident_note_add(incident_id=incident.id, text=NOTE, actor=dispatcher, at=timezone.now())
    client = Client()
    client.force_login(User.objects.get(pk=dispatcher.pk))
    return Exported(incident=incident, client=client)


def _pdffonts(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type, encoding, emb, sub, uni, object id."""
    out = subprocess.run(["pdffonts", pdf], check=True, capture_output=True, text=True).stdout
    names = ("name", "type", "encoding", "emb", "sub", "uni", "object", "generation")
    # Columns are space-separated; only the type ("Type 1", "CID TrueType") has spaces.
    pattern = re.compile(
        r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+(\d+)\s+(\d+)$"
    )
    rows = [pattern.match(line) for line in out.splitlines()[2:]]
    assert all(rows), out
    return [dict(zip(names, row.groups(), strict=True)) for row in rows if row]


def test_pdf_embeds_a_subset_of_its_cjk_font_and_the_address_reads_back(
    exported: Exported, tmp_path: Path
) -> None:
    pdf = tmp_path / "timeline.pdf"
    pdf.write_bytes(exported.get("pdf"))

    fonts = _pdffonts(pdf)
    face = TTFont("probe", cjk_font_path(), subfontIndex=0).face.name.decode()
    # A subset's name is six capitals, "+", the font's: reportlab's subsets are numbered.
    cjk = [f for f in fonts if re.fullmatch(rf"[A-Z]{{6}}\+{face}-\d+", f["name"])]
    assert cjk, fonts
    assert all((f["emb"], f["sub"], f["uni"]) == ("yes", "yes", "yes") for f in cjk), cjk
    # Nothing drawn in a font the reader must have: only the standard Helvetica is not embedded.
    assert {f["name"] for f in fonts if f["emb"] == "no"} <= {"Helvetica", "Helvetica-Bold"}

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert exported.incident.reference in text
    assert ADDRESS in text
    assert CALLER in text or SAID in text


def test_csv_starts_with_a_byte_order_mark_and_its_chinese_reads_back(
    exported: Exported,
) -> None:
    body = exported.get("csv")

    assert body[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == CSV_COLUMNS  # the mark is not glued to the first column's name
    [received] = [r for r in rows if r["kind"] == "call.received"]
    assert ADDRESS in received["detail"]
    assert SAID in received["detail"]
    [note] = [r for r in rows if r["kind"] == "incident.note"]
    assert note["detail"] == f"'{NOTE}"  # defused for a spreadsheet
    assert [int(r["seq"]) for r in rows] == list(range(1, len(rows) + 1))


def test_xlsx_holds_the_events_with_chinese_as_typed_and_no_formulas(
    exported: Exported,
) -> None:
    response = exported.client.get(f"/incidents/{exported.incident.reference}/timeline.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="{exported.incident.reference}-timeline.xlsx"'
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == CSV_COLUMNS
    by_kind = {row[CSV_COLUMNS.index("kind")]: row for row in rows}
    received = by_kind["call.received"]
    detail = CSV_COLUMNS.index("detail")
    assert ADDRESS in received[detail]
    assert SAID in received[detail]
    server_time = received[CSV_COLUMNS.index("server_time")]
    assert isinstance(server_time, datetime)  # a date-time a spreadsheet sorts, local
    call_at = timezone.localtime(exported.incident.created_at).replace(tzinfo=None)
    assert abs((server_time - call_at).total_seconds()) < 60
    # The note as written, stored as text: openpyxl reads a formula cell's type as "f".
    note_row = next(
        r
        for r in sheet.iter_rows(min_row=2)
        if r[CSV_COLUMNS.index("kind")].value == "incident.note"
    )
    assert note_row[detail].value == NOTE
    assert note_row[detail].data_type == "s"
    # The page links the workbook beside the other files.
    page = exported.client.get(f"/incidents/{exported.incident.reference}/timeline")
    assert f'href="/incidents/{exported.incident.reference}/timeline.xlsx"' in page.content.decode()


def test_the_cjk_font_is_the_setting_or_a_debian_one_and_a_missing_one_is_named() -> None:
    with override_settings(PDF_CJK_FONT=""):
        assert str(cjk_font_path()) in CJK_FONT_PATHS  # the tests' machine has one installed
    with (
        override_settings(PDF_CJK_FONT="/nowhere/font.ttc"),
        pytest.raises(ImproperlyConfigured, match=re.escape("/nowhere/font.ttc")),
    ):
        cjk_font_path()
    with override_settings(PDF_CJK_FONT=CJK_FONT_PATHS[0]):
        assert cjk_font_path() == Path(CJK_FONT_PATHS[0])
