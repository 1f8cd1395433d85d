"""CSV exports: BOM, header, exact identifiers, streaming."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dtgx.exports import Column, ColumnKind, csvfile, write_csv
from dtgx.exports.tests.helpers import read_csv

COLUMNS = [
    Column("姓名", ColumnKind.TEXT),
    Column("公民身份号码", ColumnKind.IDENTIFIER),
    Column("人数", ColumnKind.INTEGER),
    Column("金额", ColumnKind.DECIMAL),
    Column("调查日期", ColumnKind.DATE),
    Column("填报时间", ColumnKind.DATETIME),
]
ROW = [
    "张三",
    "43082119900101123X",
    -5,
    Decimal("-12.50"),
    date(2025, 6, 30),
    datetime(2025, 6, 30, 16, 30, 5, 123, tzinfo=UTC),
]


def test_the_file_starts_with_a_bom_and_the_header() -> None:
    data, rows = read_csv(write_csv([ROW], COLUMNS))

    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [column.header for column in COLUMNS]


def test_values_are_written_in_their_plain_form() -> None:
    _, rows = read_csv(write_csv([ROW], COLUMNS))

    assert rows[1] == [
        "张三",
        "43082119900101123X",
        "-5",
        "-12.50",
        "2025-06-30",
        "2025-07-01 00:30:05",
    ]


@pytest.mark.parametrize(
    "identifier", ["43082119900101123X", "012345678901234567", "00123"]
)
def test_identifiers_come_back_exactly(identifier: str) -> None:
    columns = [Column("证号", ColumnKind.IDENTIFIER)]

    _, rows = read_csv(write_csv([[identifier]], columns))

    assert rows[1] == [identifier]


def test_formulas_are_neutralised_and_line_breaks_survive_quoted() -> None:
    columns = [Column("备注", ColumnKind.TEXT), Column("地址", ColumnKind.TEXT)]

    data, rows = read_csv(write_csv([["=cmd|' /C calc'!A0", "一行\r\n二行"]], columns))

    assert rows[1] == ["'=cmd|' /C calc'!A0", "一行\n二行"]
    assert '"一行\n二行"'.encode() in data


def test_empty_values_are_empty_fields() -> None:
    _, rows = read_csv(write_csv([[None] * len(COLUMNS)], COLUMNS))

    assert rows[1] == [""] * len(COLUMNS)


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        b"".join(write_csv([["张三"]], COLUMNS))


def test_rows_are_read_lazily_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfile, "CSV_CHUNK_CHARS", 100)
    columns = [Column("序号", ColumnKind.INTEGER)]
    consumed: list[int] = []

    def endless() -> Iterator[Sequence[object]]:
        for number in itertools.count():
            consumed.append(number)
            yield [number]

    stream = write_csv(endless(), columns)
    chunks = [next(stream) for _ in range(3)]

    assert all(len(chunk) < 200 for chunk in chunks)
    assert len(consumed) < 100
