"""Importing official division code tables into ``Region``.

``import_division_dir`` reads the four-file layout, ``import_code_list`` a
CSV or XLSX list of 12-digit codes; both go through ``import_source``:

1. every row is checked (code form, level, the township and village number
   ranges of the coding rules, the parent in the database or earlier in the
   file, name, urban/rural class); every bad row is reported by line;
2. only when no row is bad, one transaction creates new codes, records
   renames in ``RegionName``, restores re-listed withdrawn codes and, when
   asked, withdraws codes missing from the list. Nothing is ever deleted;
3. the import is recorded as a ``DivisionTable`` (re-importing a table that
   changes nothing reuses the existing record, so it changes nothing at all).

Deliberate relaxations for the real national table (see ``codes``): the four
placeholder rows that repeat a unit one level down under the same code and
name (东莞市, 中山市, 儋州市 in ``areas.csv``, 金门县 in ``streets.csv``) are
counted as ``merged`` instead of being errors, and townships of a prefecture
without counties have a county part of ``00``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dtgx.regions.codes import (
    NATION_CODE,
    CodeError,
    Level,
    UrbanRuralClass,
    common_ancestor,
    level_of,
    pad_code,
    parent_code,
    unit_kind,
)
from dtgx.regions.models import DivisionTable, Region, RegionName
from dtgx.regions.sources import Source, SourceRow, read_code_list, read_division_dir

NATION_NAME = "全国"
# Codes per ``IN (...)`` query, well under SQLite's limit of variables.
CHUNK = 900
NAME_MAX_LENGTH = 100
_NUMBER_LIKE = re.compile(r"[0-9.]+(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class RowError:
    """A bad row: where it is and what to fix."""

    file: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return _("%(file)s 第%(line)s行：%(message)s") % {
            "file": self.file,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True)
class Entry:
    """A row that passed the checks of its own cells."""

    code: str
    name: str
    level: Level
    parent: str
    urban_rural_class: str
    row: SourceRow


@dataclass
class ImportReport:
    """What an import found and did (or, on a dry run, would do)."""

    source: str
    year: int
    dry_run: bool
    rows: int = 0
    created: int = 0
    renamed: int = 0
    restored: int = 0
    reclassified: int = 0
    unchanged: int = 0
    merged: int = 0
    withdrawn_codes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    table: DivisionTable | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def withdrawn(self) -> int:
        return len(self.withdrawn_codes)

    @property
    def changed(self) -> bool:
        changes = (self.created, self.renamed, self.restored, self.reclassified)
        return any(changes) or bool(self.withdrawn_codes)

    def summary(self) -> str:
        return _(
            "%(source)s（%(year)s年）共%(rows)s行：新增%(created)s个，"
            "更名%(renamed)s个，恢复启用%(restored)s个，城乡分类变更"
            "%(reclassified)s个，未变%(unchanged)s个，与上级同码的占位行"
            "%(merged)s个，停用%(withdrawn)s个。"
        ) % {
            "source": self.source,
            "year": self.year,
            "rows": self.rows,
            "created": self.created,
            "renamed": self.renamed,
            "restored": self.restored,
            "reclassified": self.reclassified,
            "unchanged": self.unchanged,
            "merged": self.merged,
            "withdrawn": self.withdrawn,
        }


# --- entry points --------------------------------------------------------


def import_division_dir(
    path: Path, *, year: int, withdraw_missing: bool = False, dry_run: bool = False
) -> ImportReport:
    """Import the four-file layout in ``path``; raises ``DivisionFileError``
    when no file can be read."""
    return import_source(
        read_division_dir(path),
        kind=DivisionTable.Kind.FOUR_FILES,
        year=year,
        withdraw_missing=withdraw_missing,
        dry_run=dry_run,
    )


def import_code_list(
    path: Path, *, year: int, withdraw_missing: bool = False, dry_run: bool = False
) -> ImportReport:
    """Import a CSV or XLSX list of 12-digit codes; raises
    ``DivisionFileError`` when the file cannot be read."""
    return import_source(
        read_code_list(path),
        kind=DivisionTable.Kind.CODE_LIST,
        year=year,
        withdraw_missing=withdraw_missing,
        dry_run=dry_run,
    )


def import_source(
    source: Source,
    *,
    kind: DivisionTable.Kind,
    year: int,
    withdraw_missing: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row, then write all of it or, if any row is bad, nothing.

    ``withdraw_missing`` takes the source as the full list of its levels
    within the smallest region holding all its rows, and sets ``valid_to``
    to ``year - 1`` on current codes of those levels there that it lacks.
    A dry run does everything in a transaction it then rolls back."""
    report = ImportReport(source.name, year, dry_run, rows=len(source.rows))
    with transaction.atomic():
        entries = check_rows(source.rows, report)
        if report.errors:
            return report

        _ensure_nation()
        _write_entries(entries, report, year=year)
        if withdraw_missing:
            report.withdrawn_codes = _withdraw_missing(entries, year=year)
        report.table = _record_table(source, kind, report)

        if dry_run:
            transaction.set_rollback(True)
            report.table = None
    return report


# --- checking ------------------------------------------------------------


def check_rows(rows: Sequence[SourceRow], report: ImportReport) -> list[Entry]:
    """The rows that make regions, in file order; bad rows go to
    ``report.errors`` and placeholder rows to ``report.merged``."""
    parsed = [check_cells(row) for row in rows]
    entries = [item for item in parsed if isinstance(item, Entry)]
    known = _known_parents(entries)
    with_counties = _prefectures_with_counties(entries)

    seen: dict[str, Entry] = {}
    for item in parsed:
        if isinstance(item, RowError):
            report.errors.append(item)
            continue
        earlier = seen.get(item.code)
        if earlier is not None and _is_placeholder(item, earlier):
            report.merged += 1
            continue
        error = _check_place(item, earlier, seen, known, with_counties)
        if error is not None:
            report.errors.append(error)
            continue
        seen[item.code] = item
    return list(seen.values())


def check_cells(row: SourceRow) -> Entry | RowError:
    """The checks a row passes or fails on its own: code, name, class."""
    code_or_error = _check_code(row)
    if isinstance(code_or_error, RowError):
        return code_or_error
    code, level = code_or_error

    name = row.name.strip()
    problem = _name_problem(name) or _class_problem(row.urban_rural_class, level)
    if problem:
        return _error(row, problem)
    parent = parent_code(code) or NATION_CODE
    return Entry(code, name, level, parent, row.urban_rural_class, row)


def _check_code(row: SourceRow) -> tuple[str, Level] | RowError:
    code, length = row.code, row.code_length
    values = {"code": code, "length": length, "actual": len(code)}
    if not code:
        return _error(row, _("缺少区划代码，请填写。"))
    if _NUMBER_LIKE.fullmatch(code) and not code.isdigit():
        return _error(row, _number_message() % values)
    if not (code.isascii() and code.isdigit()):
        return _error(
            row,
            _("代码“%(code)s”含有数字以外的字符：区划代码只能是%(length)s位数字。")
            % values,
        )
    if len(code) != length:
        return _error(
            row, _("代码“%(code)s”有%(actual)s位，应为%(length)s位数字。") % values
        )

    full = pad_code(code)
    try:
        level = level_of(full)
    except CodeError:
        return _error(row, _structure_message() % values)
    if level == Level.NATION:
        return _error(row, _("代码“%(code)s”全为0，不是区划代码。") % values)
    if level >= Level.TOWNSHIP and unit_kind(full) is None:
        return _error(row, _range_message(full, level))
    return full, level


def _number_message() -> str:
    return _(
        "代码“%(code)s”被存成了数字（小数或科学计数法），数字已不可靠："
        "请把代码列设为文本格式，重新填写%(length)s位数字代码。"
    )


def _structure_message() -> str:
    return _(
        "代码“%(code)s”的分段不对：上一级的代码段为0，下一级却不为0。"
        "请按“省2位、市2位、县2位、乡3位、村3位”核对代码。"
    )


def _range_message(code: str, level: Level) -> str:
    if level == Level.TOWNSHIP:
        return _(
            "乡级代码段“%(part)s”超出编码规则：001–099为街道，100–199为镇，"
            "200–399为乡，400–599为类似乡级单位。请核对代码。"
        ) % {"part": code[6:9]}
    return _(
        "村级代码段“%(part)s”超出编码规则：001–199为居委会，200–399为村委会，"
        "400–599为类似村级单位。请核对代码。"
    ) % {"part": code[9:12]}


def _name_problem(name: str) -> str | None:
    if not name:
        return _("缺少名称，请填写。")
    if len(name) > NAME_MAX_LENGTH:
        return _("名称超过%(max)s个字，请核对。") % {"max": NAME_MAX_LENGTH}
    return None


def _class_problem(value: str, level: Level) -> str | None:
    if not value:
        return None
    if value not in UrbanRuralClass.values:
        return _(
            "城乡分类代码“%(value)s”无效：应为111、112、121、122、123、210或220。"
        ) % {"value": value}
    if level != Level.VILLAGE:
        return _("城乡分类代码只用于村级（村/社区），请删去本行的城乡分类代码。")
    return None


def _is_placeholder(entry: Entry, earlier: Entry) -> bool:
    """A row of a lower-level file that repeats a unit already listed one
    level up, under the same code and name (东莞市 in ``areas.csv``)."""
    file_level = entry.row.level
    return (
        file_level is not None
        and entry.level < file_level
        and earlier.level == entry.level
        and earlier.name == entry.name
    )


def _check_place(
    entry: Entry,
    earlier: Entry | None,
    seen: dict[str, Entry],
    known: set[str],
    with_counties: set[str],
) -> RowError | None:
    """Checks against the rest of the table: duplicates, the file's level,
    the parent, townships directly under a prefecture."""
    code = entry.row.code
    if earlier is not None:
        return _error(
            entry.row,
            _("代码“%(code)s”与%(file)s第%(line)s行重复，请删去其中一行。")
            % {"code": code, "file": earlier.row.file, "line": earlier.row.line},
        )
    if entry.row.level is not None and entry.level != entry.row.level:
        return _error(
            entry.row,
            _(
                "代码“%(code)s”补足12位后是%(level)s级代码，不应出现在本文件中："
                "请移到对应级别的文件里。"
            )
            % {"code": code, "level": Level(entry.level).label},
        )

    parent = entry.parent
    if parent not in seen and parent not in known:
        return _error(
            entry.row,
            _(
                "上级区划“%(parent)s”不存在：请先导入上级区划，"
                "或在文件中把它放在本行之前。"
            )
            % {"parent": parent},
        )
    if _skips_county(entry) and entry.code[:4] in with_counties:
        return _error(
            entry.row,
            _(
                "代码“%(code)s”的县级段为00，但所属地级区划设有县级区划："
                "请填写所属县（市、区）的代码。"
            )
            % {"code": code},
        )
    return None


def _skips_county(entry: Entry) -> bool:
    return entry.level >= Level.TOWNSHIP and entry.code[4:6] == "00"


def _known_parents(entries: Sequence[Entry]) -> set[str]:
    """Parents the rows need that exist in the database (the nation always
    does: the import creates it)."""
    listed = {entry.code for entry in entries}
    wanted = {entry.parent for entry in entries}
    found = {NATION_CODE}
    for chunk in _chunks(sorted(wanted - listed - found)):
        found.update(
            Region.objects.filter(code__in=chunk).values_list("code", flat=True)
        )
    return found


def _prefectures_with_counties(entries: Sequence[Entry]) -> set[str]:
    """Of the prefectures whose townships skip the county part, those that
    do have counties (in the rows or in the database)."""
    asked = {entry.code[:4] for entry in entries if _skips_county(entry)}
    listed = {entry.code[:4] for entry in entries if entry.level == Level.COUNTY}
    found = asked & listed
    for prefix in sorted(asked - listed):
        counties = Region.objects.filter(level=Level.COUNTY, code__startswith=prefix)
        if counties.exists():
            found.add(prefix)
    return found


def _error(row: SourceRow, message: str) -> RowError:
    return RowError(row.file, row.line, row.code, message)


# --- writing -------------------------------------------------------------


def _ensure_nation() -> None:
    Region.objects.get_or_create(
        code=NATION_CODE, defaults={"name": NATION_NAME, "level": Level.NATION}
    )


def _write_entries(
    entries: Sequence[Entry], report: ImportReport, *, year: int
) -> None:
    stored = _stored_regions([entry.code for entry in entries])
    new = [_new_region(entry, year) for entry in entries if entry.code not in stored]
    Region.objects.bulk_create(new, batch_size=CHUNK)
    report.created = len(new)

    pairs = [(stored[e.code], e) for e in entries if e.code in stored]
    _record_former_names([old for old, e in pairs if old.name != e.name], year=year)
    changed = [_updated(old, entry, report) for old, entry in pairs]
    Region.objects.bulk_update(
        [region for region in changed if region is not None],
        ["name", "urban_rural_class", "valid_to"],
        batch_size=CHUNK,
    )


@dataclass(frozen=True)
class Stored:
    """The columns of an existing region that an import compares."""

    code: str
    name: str
    urban_rural_class: str
    valid_from: int | None
    valid_to: int | None


def _stored_regions(codes: Sequence[str]) -> dict[str, Stored]:
    columns = ("code", "name", "urban_rural_class", "valid_from", "valid_to")
    found: dict[str, Stored] = {}
    for chunk in _chunks(codes):
        for values in Region.objects.filter(code__in=chunk).values_list(*columns):
            found[values[0]] = Stored(*values)
    return found


def _new_region(entry: Entry, year: int) -> Region:
    return Region(
        code=entry.code,
        name=entry.name,
        level=entry.level,
        parent_id=entry.parent,
        urban_rural_class=entry.urban_rural_class,
        valid_from=year,
    )


def _updated(old: Stored, entry: Entry, report: ImportReport) -> Region | None:
    """The region brought in line with its row, or None when it already is;
    counts what changed."""
    new_class = entry.urban_rural_class or old.urban_rural_class
    renamed = old.name != entry.name
    restored = old.valid_to is not None
    reclassified = old.urban_rural_class != new_class
    report.renamed += renamed
    report.restored += restored
    report.reclassified += reclassified
    if not (renamed or restored or reclassified):
        report.unchanged += 1
        return None
    return Region(
        code=old.code, name=entry.name, urban_rural_class=new_class, valid_to=None
    )


def _record_former_names(olds: Sequence[Stored], *, year: int) -> None:
    """Keep each region's current name, valid until the year before, from
    the year after its previous rename (or from when the code began)."""
    since: dict[str, int] = {}
    for chunk in _chunks([old.code for old in olds]):
        rows = (
            RegionName.objects.filter(region_id__in=chunk)
            .values_list("region_id")
            .annotate(last=Max("valid_to"))
        )
        since.update({code: last + 1 for code, last in rows})
    RegionName.objects.bulk_create(
        RegionName(
            region_id=old.code,
            name=old.name,
            valid_from=since.get(old.code, old.valid_from),
            valid_to=year - 1,
        )
        for old in olds
    )


def _withdraw_missing(entries: Sequence[Entry], *, year: int) -> list[str]:
    scope = common_ancestor(entry.code for entry in entries)
    levels = {entry.level for entry in entries}
    current = (
        Region.objects.within(scope)
        .current()
        .filter(level__in=levels)
        .values_list("code", flat=True)
    )
    missing = sorted(set(current) - {entry.code for entry in entries})
    for chunk in _chunks(missing):
        Region.objects.filter(code__in=chunk).update(valid_to=year - 1)
    return missing


def _record_table(
    source: Source, kind: DivisionTable.Kind, report: ImportReport
) -> DivisionTable:
    if not report.changed:
        same = DivisionTable.objects.filter(year=report.year, sha256=source.sha256)
        earlier = same.first()
        if earlier is not None:
            return earlier
    return DivisionTable.objects.create(
        year=report.year,
        kind=kind,
        source=source.name[:255],
        sha256=source.sha256,
        rows=report.rows,
        created=report.created,
        renamed=report.renamed,
        restored=report.restored,
        reclassified=report.reclassified,
        unchanged=report.unchanged,
        withdrawn=report.withdrawn,
    )


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
