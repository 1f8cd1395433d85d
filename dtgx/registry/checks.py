"""Checking a base-list extract: each row on its own, then against the
database. The first two steps of ``dtgx.registry.services.load_base_list``:

1. ``check_rows`` checks every row on its own (certificate number through
   the identity module, name, village code form, status, hukou type) and
   finds duplicates inside the file after normalisation (FC-40);
2. ``check_against_database`` checks what needs the database: the village
   exists, is current and lies in the region; the holder is not already
   counted in another base list of the same year.

Every problem lands in the ``LoadReport`` with its line, column, value and
a Chinese message saying what to do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.utils.translation import gettext as _

from dtgx.identity import CertificateCheck, check_certificate_number, normalize_name
from dtgx.identity.normalize import normalize_identifier
from dtgx.regions.codes import CodeError, Level, level_of
from dtgx.regions.models import Region
from dtgx.regions.sources import cell_text
from dtgx.registry.models import (
    BaseList,
    BaseListEntry,
    HukouType,
    Status,
)
from dtgx.registry.sources import BaseListFile, Column, RawRow, column_label

# The bad-row type every import reports with, re-exported for the loader.
from dtgx.spreadsheets import RowProblem as RowProblem

# Values per ``IN (...)`` query, under SQLite's limit of 999 variables.
IN_CHUNK = 900
NAME_MAX_LENGTH = 50

T = TypeVar("T")


# --- what a load found and did -------------------------------------------


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A cell that normalisation changed (full-width digits, a lowercase
    ``x``, invisible spaces), shown so that operators see what was stored."""

    line: int
    column: str
    raw: str
    value: str


@dataclass
class LoadReport:
    """What a load found and did, or on a dry run would do.

    Person counts add up to ``rows`` when the load is possible: each row's
    holder is ``created``, ``updated`` (``moves`` of whom changed village) or
    ``unchanged``. ``entries_*`` count base-list entries added, changed and
    removed (removed: holders of the stored list missing from the file).
    """

    source: str
    sha256: str
    encoding: str
    year: int
    reference_date: date
    region_code: str
    dry_run: bool
    rows: int = 0
    blank_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moves: int = 0
    entries_added: int = 0
    entries_changed: int = 0
    entries_removed: int = 0
    new_list: bool = False
    already_loaded: bool = False
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    cleaned: list[Cleaned] = field(default_factory=list)
    base_list: BaseList | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({problem.line for problem in self.errors})

    @property
    def changed(self) -> bool:
        entries = self.entries_added + self.entries_changed + self.entries_removed
        return self.new_list or bool(self.created or self.updated or entries)

    def summary(self) -> str:
        values = {
            "source": self.source,
            "year": self.year,
            "date": self.reference_date.isoformat(),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "moves": self.moves,
            "unchanged": self.unchanged,
            "added": self.entries_added,
            "changed": self.entries_changed,
            "removed": self.entries_removed,
        }
        if self.already_loaded:
            return (
                _("%(source)s与已载入的%(year)s年底册是同一个文件，没有任何变化。")
                % values
            )
        if not self.ok:
            return _(
                "%(source)s共%(rows)s行，其中%(bad)s行有错误，未载入任何数据："
                "请按下列提示改正后重新载入。"
            ) % {**values, "bad": self.bad_rows}
        if not self.changed:
            return (
                _(
                    "%(source)s共%(rows)s行，与已载入的%(year)s年底册内容相同，"
                    "没有任何变化。"
                )
                % values
            )
        return (
            _(
                "%(source)s（%(year)s年底册，统计时点%(date)s）共%(rows)s行："
                "新增%(created)s人，更新%(updated)s人（其中迁移%(moves)s人），"
                "未变%(unchanged)s人；底册条目新增%(added)s条，变更%(changed)s条，"
                "移除%(removed)s条。"
            )
            % values
        )


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row whose cells all passed their own checks, normalised."""

    line: int
    id_number: str
    certificate_number: str
    legacy_id_number: str | None
    name: str
    sex: int
    birth_date: date
    category: int
    grade: int
    village: str
    status: Status
    hukou_type: int | None


# --- 1. rows on their own ------------------------------------------------


# Names a cell may give, in the certificate database's own (Chinese) words
# whatever the interface language, or the stored code.
STATUS_NAMES: dict[str, Status] = {
    "正常": Status.NORMAL,
    "正常持证": Status.NORMAL,
    "死亡": Status.DECEASED,
    "证件注销": Status.CANCELLED,
    "注销": Status.CANCELLED,
    "迁出": Status.MOVED_OUT,
    **{status.value: status for status in Status},
}
HUKOU_NAMES: dict[str, int] = {
    "1": HukouType.AGRICULTURAL,
    "农业": HukouType.AGRICULTURAL,
    "农业户口": HukouType.AGRICULTURAL,
    "2": HukouType.NON_AGRICULTURAL,
    "非农业": HukouType.NON_AGRICULTURAL,
    "非农业户口": HukouType.NON_AGRICULTURAL,
}


def _choice_key(text: str) -> str:
    """Full-width letters and digits folded, spaces removed, case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def status_of(text: str) -> Status | None:
    """The status a cell names (正常, 死亡, 证件注销 or 注销, 迁出, or a
    stored code such as ``deceased``); ``None`` if none."""
    return STATUS_NAMES.get(_choice_key(text))


def hukou_type_of(text: str) -> int | None:
    """The hukou type a cell names (1 or 农业, 2 or 非农业); ``None`` if
    none."""
    found = HUKOU_NAMES.get(_choice_key(text))
    return None if found is None else int(found)


def shown(value: object) -> str:
    """A cell as text with invisible characters made visible (``⟨U+00A0⟩``),
    so that an operator can see why two values differ."""
    text = value if isinstance(value, str) else cell_text(value)
    return "".join(
        char
        if char == " " or (char.isprintable() and not char.isspace())
        else f"⟨U+{ord(char):04X}⟩"
        for char in text
    )


def check_rows(source: BaseListFile, report: LoadReport) -> list[CheckedRow]:
    """Check every row of ``source`` on its own and against the rows before
    it; return the good rows in file order. Also sets ``report.rows`` and
    ``report.blank_rows``. No database query."""
    checked: list[CheckedRow] = []
    first_line: dict[str, CheckedRow] = {}
    for raw in source.rows:
        report.rows += 1
        row = check_row(raw, reference_date=report.reference_date, report=report)
        if row is None:
            continue
        earlier = first_line.get(row.id_number)
        if earlier is not None:
            report.errors.append(_duplicate(raw, earlier))
            continue
        first_line[row.id_number] = row
        checked.append(row)
    report.blank_rows = source.blank_rows
    return checked


def check_row(
    raw: RawRow, *, reference_date: date, report: LoadReport
) -> CheckedRow | None:
    """The row normalised, or ``None`` when a cell is bad; problems and
    cleaned values go to ``report``."""
    before = len(report.errors)
    certificate = _check_certificate(raw, reference_date, report)
    name = _check_name(raw, report)
    village = _check_village_code(raw, report)
    status = _check_status(raw, report)
    hukou_type = _check_hukou_type(raw, report)

    id_check = certificate.id_check
    if len(report.errors) > before or status is None or id_check is None:
        return None
    if id_check.birth_date is None or id_check.sex is None:
        return None
    if certificate.category is None or certificate.grade is None:
        return None
    return CheckedRow(
        line=raw.line,
        id_number=certificate.value[:18],
        certificate_number=certificate.value,
        legacy_id_number=id_check.legacy_alias,
        name=name,
        sex=int(id_check.sex),
        birth_date=id_check.birth_date,
        category=int(certificate.category),
        grade=int(certificate.grade),
        village=village,
        status=status,
        hukou_type=hukou_type,
    )


def _problem(raw: RawRow, column: Column, value: object, message: str) -> RowProblem:
    return RowProblem(raw.line, column_label(column), shown(value), message)


def _check_certificate(
    raw: RawRow, reference_date: date, report: LoadReport
) -> CertificateCheck:
    result = check_certificate_number(raw.certificate, reference_date=reference_date)
    for problem in result.errors:
        report.errors.append(
            _problem(raw, Column.CERTIFICATE, raw.certificate, problem.message)
        )
    for problem in result.warnings:
        report.warnings.append(
            _problem(raw, Column.CERTIFICATE, raw.certificate, problem.message)
        )
    if result.ok and result.normalised_from is not None:
        _note_cleaned(
            raw, Column.CERTIFICATE, result.normalised_from, result.value, report
        )
    return result


# Unicode categories never part of a name: control (Cc), format (Cf: zero
# width, joiners, BOM, bidirectional overrides), surrogates (Cs) and line
# or paragraph separators (Zl, Zp).
_NAME_NOISE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_name(raw: object) -> str:
    """A name as stored: ``normalize_name``, then without any control or
    format character (a NUL, a vertical tab, a bidi override, a zero-width
    character), spacing tidied again."""
    text = normalize_name(raw)
    kept = "".join(c for c in text if unicodedata.category(c) not in _NAME_NOISE)
    return " ".join(kept.split())


def _check_name(raw: RawRow, report: LoadReport) -> str:
    name = clean_name(raw.name)
    message = None
    if not name and raw.name.strip():
        message = _(
            "姓名只含看不见的字符（零宽字符、控制字符等），清除后为空："
            "请填写此人的姓名。"
        )
    elif not name:
        message = _("姓名为空，请填写。")
    elif len(name) > NAME_MAX_LENGTH:
        message = _("姓名超过%(max)s个字，请核对。") % {"max": NAME_MAX_LENGTH}
    elif "\ufffd" in name:
        message = _(
            "姓名含有无法识别的字符（�），多因文件编码有误："
            "请把文件另存为UTF-8或GBK编码后重新载入。"
        )
    if message is not None:
        report.errors.append(_problem(raw, Column.NAME, raw.name, message))
    elif name != raw.name:
        _note_cleaned(raw, Column.NAME, raw.name, name, report)
    return name


def _check_village_code(raw: RawRow, report: LoadReport) -> str:
    # Plain ASCII digits are already normal; folding them is the slow part.
    plain = raw.village.isascii() and raw.village.isdigit()
    code = raw.village if plain else normalize_identifier(raw.village)
    message = _village_code_problem(code)
    if message is not None:
        report.errors.append(_problem(raw, Column.VILLAGE, raw.village, message))
    elif code != raw.village:
        _note_cleaned(raw, Column.VILLAGE, raw.village, code, report)
    return code


def _village_code_problem(code: str) -> str | None:
    if not code:
        return _("缺少居住地区划代码，请填写村(社区)的12位统计用区划代码。")
    if "." in code or "E+" in code:
        return _(
            "区划代码被Excel存成了数字（小数或科学计数法），数字已不可靠："
            "请把该列设为文本格式，重新填写12位代码。"
        )
    if len(code) != 12 or not (code.isascii() and code.isdigit()):
        return _(
            "居住地区划代码应为12位数字（不足位数不会自动补0）："
            "请填写村(社区)的12位统计用区划代码。"
        )
    try:
        level = level_of(code)
    except CodeError:
        level = None
    if level != Level.VILLAGE:
        return _("这不是村(社区)级代码：居住地须填写到村(社区)，代码后3位不能为000。")
    return None


def _check_status(raw: RawRow, report: LoadReport) -> Status | None:
    status = status_of(raw.status)
    if status is None:
        choices = "、".join(str(s.label) for s in Status)
        message = (
            _("缺少状态，请填写：%(choices)s。")
            if not raw.status
            else _("状态无法识别：应为%(choices)s之一。")
        ) % {"choices": choices}
        report.errors.append(_problem(raw, Column.STATUS, raw.status, message))
    return status


def _check_hukou_type(raw: RawRow, report: LoadReport) -> int | None:
    if not raw.hukou.strip():
        return None
    hukou_type = hukou_type_of(raw.hukou)
    if hukou_type is None:
        message = _("户口性质无法识别：应为1（农业）或2（非农业），不清楚可留空。")
        report.errors.append(_problem(raw, Column.HUKOU, raw.hukou, message))
    return hukou_type


def _note_cleaned(
    raw: RawRow, column: Column, before: object, after: str, report: LoadReport
) -> None:
    report.cleaned.append(Cleaned(raw.line, column_label(column), shown(before), after))


def _duplicate(raw: RawRow, earlier: CheckedRow) -> RowProblem:
    values = {"first": earlier.line, "line": raw.line}
    certificate = normalize_identifier(raw.certificate)
    if certificate == earlier.certificate_number:
        message = _("第%(first)s行与第%(line)s行残疾人证号重复，请删去其中一行。")
    else:
        message = _(
            "第%(first)s行与第%(line)s行是同一身份证号，残疾类别或等级却不同："
            "请核对残疾人证，只保留正确的一行。"
        )
    return _problem(raw, Column.CERTIFICATE, raw.certificate, message % values)


# --- 2. rows against the database ----------------------------------------


def check_against_database(
    rows: list[CheckedRow],
    report: LoadReport,
    *,
    region: Region,
    existing: BaseList | None,
) -> list[CheckedRow]:
    """Rows whose village is a current village of ``region`` and whose
    holder is in no other base list of the year; problems go to ``report``.

    Queries: villages and other lists' entries, ``IN`` chunks of 900."""
    bad = _check_villages(rows, report, region=region)
    bad |= _check_counted_elsewhere(rows, report, existing=existing)
    return [row for row in rows if row.line not in bad]


def _check_villages(
    rows: Sequence[CheckedRow], report: LoadReport, *, region: Region
) -> set[int]:
    codes = sorted({row.village for row in rows})
    found: dict[str, tuple[int, int | None]] = {}
    for chunk in chunks(codes, IN_CHUNK):
        query = Region.objects.filter(code__in=chunk)
        for code, level, valid_to in query.values_list("code", "level", "valid_to"):
            found[code] = (level, valid_to)

    bad: set[int] = set()
    for row in rows:
        message = _village_problem(row.village, found.get(row.village), region, report)
        if message is not None:
            bad.add(row.line)
            report.errors.append(
                RowProblem(row.line, column_label(Column.VILLAGE), row.village, message)
            )
    return bad


def _village_problem(
    code: str,
    stored: tuple[int, int | None] | None,
    region: Region,
    report: LoadReport,
) -> str | None:
    values = {"code": code, "region": region.name}
    if stored is None or stored[0] != Level.VILLAGE:
        return (
            _(
                "村(社区)代码%(code)s不在区划代码表中：请核对代码，"
                "或请管理员先导入最新的区划代码表。"
            )
            % values
        )
    valid_to = stored[1]
    if valid_to is not None and valid_to < report.year:
        return _(
            "村(社区)代码%(code)s在%(last)s年以后已停用：请改用现行的村(社区)代码。"
        ) % {**values, "last": valid_to}
    if not code.startswith(region.prefix):
        return (
            _(
                "村(社区)代码%(code)s不在%(region)s范围内：请核对居住地，"
                "不属本地区的人请由其所在地区载入。"
            )
            % values
        )
    return None


def _check_counted_elsewhere(
    rows: Sequence[CheckedRow], report: LoadReport, *, existing: BaseList | None
) -> set[int]:
    """A holder counts once per round: refuse one already in another base
    list of the year."""
    by_id = {row.id_number: row for row in rows}
    bad: set[int] = set()
    for chunk in chunks(list(by_id), IN_CHUNK):
        entries = BaseListEntry.objects.filter(
            year=report.year, person__id_number__in=chunk
        )
        if existing is not None:
            entries = entries.exclude(base_list=existing)
        pairs = entries.values_list("person__id_number", "base_list__region__name")
        for id_number, region_name in pairs:
            row = by_id[id_number]
            bad.add(row.line)
            report.errors.append(_counted_elsewhere(row, region_name, report.year))
    return bad


def _counted_elsewhere(row: CheckedRow, region_name: str, year: int) -> RowProblem:
    message = _(
        "此人已计入%(region)s的%(year)s年底册，同一年度只能计入一次："
        "请核对居住地；如此人确已迁来，请%(region)s先更正其底册。"
    ) % {"region": region_name, "year": year}
    return RowProblem(
        row.line, column_label(Column.CERTIFICATE), row.certificate_number, message
    )


# --- helpers -------------------------------------------------------------


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
