"""Download responses: the file name header and the streamed bodies."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.http import FileResponse, StreamingHttpResponse

from dtgx.exports import (
    Column,
    ColumnKind,
    attachment_header,
    csv_response,
    xlsx_response,
)
from dtgx.exports.tests.helpers import (
    browser_filename,
    disposition_params,
    read_csv,
    read_xlsx,
)

COLUMNS = [
    Column("姓名", ColumnKind.TEXT),
    Column("残疾人证号", ColumnKind.IDENTIFIER),
    Column("填报时间", ColumnKind.DATETIME),
]
ROWS: list[list[object]] = [
    ["张三", "43082119900101123X43", datetime(2025, 6, 30, 16, 0, tzinfo=UTC)],
    ["=李四", "01234567890123456742", None],
]


@pytest.mark.parametrize(
    "name",
    ["慈利县残疾人名单2025.xlsx", "名单 (第1批)；含疑问.csv", "list-2025.csv"],
)
def test_a_file_name_round_trips_through_the_header(name: str) -> None:
    header = attachment_header(name)

    assert browser_filename(header) == name
    kind, params = disposition_params(header)
    assert kind == "attachment"
    params["filename"].encode("ascii")


def test_a_chinese_name_has_an_informative_ascii_fallback() -> None:
    _, params = disposition_params(attachment_header("慈利县名单2025.xlsx"))

    assert re.fullmatch(r'"export_2025_[0-9a-f]{8}\.xlsx"', params["filename"])
    _, params = disposition_params(attachment_header("名单.csv"))
    assert re.fullmatch(r'"export_[0-9a-f]{8}\.csv"', params["filename"])


def test_different_chinese_names_never_share_a_fallback() -> None:
    names = [
        "2026年慈利县残疾人登记表记录.xlsx",
        "2026年慈利县审核发现.xlsx",
        "2026年永定区残疾人登记表记录.xlsx",
        "a.xlsx",
        "名单.xlsx",
    ]

    fallbacks = {disposition_params(attachment_header(n))[1]["filename"] for n in names}

    assert len(fallbacks) == len(names)
    assert disposition_params(attachment_header("名单.xlsx")) == disposition_params(
        attachment_header("名单.xlsx")
    )


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("名单<第1批>.xlsx", "名单第1批.xlsx"),
        ('a<b>c:d"e/f\\g|h?i*j.csv', "abcdefghij.csv"),
        ("2026：慈利县?.xlsx", "2026：慈利县.xlsx"),  # full-width colon is fine
        ("名单. .xlsx", "名单.xlsx"),
        ("<>.xlsx", "export.xlsx"),
        ("CON.csv", "CON_.csv"),
        ("lpt1.xlsx", "lpt1_.xlsx"),
    ],
)
def test_characters_windows_forbids_leave_both_names(name: str, saved: str) -> None:
    header = attachment_header(name)

    assert browser_filename(header) == saved
    _, params = disposition_params(header)
    assert not any(char in params["filename"].strip('"') for char in '<>:"/\\|?*')


@pytest.mark.parametrize(
    "name",
    [
        'a\r\nSet-Cookie: x=1".csv',
        'x"; filename="evil.exe',
        "../../etc/名单.csv",
        "名单\x00\x85.csv",
    ],
)
def test_nothing_can_be_injected_through_the_name(name: str) -> None:
    header = attachment_header(name)

    assert not any(char in header for char in "\r\n\x00\x85")
    assert header.count('"') == 2
    saved = browser_filename(header)
    assert not any(char in saved for char in '/\\"\r\n')


def test_an_empty_name_becomes_export() -> None:
    assert browser_filename(attachment_header(" \r\n")) == "export"


def test_csv_response_streams_a_named_csv() -> None:
    response = csv_response("慈利县名单", COLUMNS, iter(ROWS))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert browser_filename(response["Content-Disposition"]) == "慈利县名单.csv"
    data, rows = read_csv(response.streaming_content)  # type: ignore[arg-type]
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[1:] == [
        ["张三", "43082119900101123X43", "2025-07-01 00:00:00"],
        ["'=李四", "01234567890123456742", ""],
    ]


def test_xlsx_response_serves_a_finished_workbook(db: None) -> None:
    # ``db``: closing a response sends ``request_finished``, on which Django
    # checks the database connections the earlier tests opened.
    response = xlsx_response("慈利县名单.xlsx", COLUMNS, iter(ROWS), "名单")

    assert isinstance(response, FileResponse)
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert browser_filename(response["Content-Disposition"]) == "慈利县名单.xlsx"
    data = b"".join(response.streaming_content)  # type: ignore[arg-type]
    response.close()
    assert int(response["Content-Length"]) == len(data)
    sheet = read_xlsx(data)["名单"]
    assert [cell.value for cell in sheet[3]] == ["=李四", "01234567890123456742", None]
    assert sheet["A3"].data_type == "s"
    assert sheet["B2"].number_format == "@"


def test_xlsx_response_raises_before_responding_on_a_bad_value() -> None:
    rows: list[list[object]] = [["张三", "430821", datetime(2025, 6, 30)]]

    with pytest.raises(ValueError, match="aware"):
        xlsx_response("名单.xlsx", COLUMNS, rows, "名单")
