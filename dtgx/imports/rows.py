"""One pass over an import file: check every row, and on commit write it.

The same pass serves the dry run (``write=False``) and the import
(``write=True``), so that what the preview promised is what is done; the
import checks everything again, since locks or records may have changed
in between. Rows are read one at a time and handled in chunks of
``CHUNK_ROWS``: one query finds the chunk's persons (or villages), one
their existing records, and the rows go through the batch services of
the survey app (the same checks, history and audit events as entering
the records one by one, done once per chunk or village where they can
be). On commit each chunk is one transaction: its rows are checked
first and only the good ones written, so a refused row never undoes the
others; the logic audit of the chunk runs at its end (``deferred_audit``).

What a row becomes:

* a new record (``create_*_records``);
* nothing, when the record exists with the same answers (``unchanged``):
  importing a file twice creates nothing new (FC-20);
* a correction (``change_*_record``, 数据更正) when the record exists with
  other answers and the batch has a correction reason and responsible
  person; without them the row is refused, never overwritten silently;
* a bad row, with one problem per bad cell.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dtgx.accounts.models import User
from dtgx.identity import check_certificate_number
from dtgx.imports.models import BadRow, ImportBatch, ImportKind, ImportProblem
from dtgx.imports.parsing import Layout, build_layout, parse_cell
from dtgx.questionnaires.definitions import Questionnaire
from dtgx.questionnaires.expressions import Value
from dtgx.questionnaires.relevance import CleanedAnswers, clean_answers
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.spreadsheets import RowProblem, TableError, is_blank, open_table
from dtgx.spreadsheets.reading import cell_text
from dtgx.survey import services
from dtgx.survey.answers import changed_items, values_of
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordStatus,
    SurveyRecord,
)
from dtgx.survey.services import CORRECTION_ROLES
from dtgx.validation.services import deferred_audit

logger = logging.getLogger(__name__)

CHUNK_ROWS = 500
# Rows per village a chunk needs on average for a deferred (bulk) audit.
DEFER_MIN_ROWS = 10
MAX_ROWS = 300_000
VALUE_MAX = 200

KEY_ITEMS = {
    ImportKind.PERSON: "basic.certificate_number",
    ImportKind.COMMUNITY: "header.region_code",
}
# Bookkeeping messages of the services without an item, by error code.
_CODE_ITEMS = {
    "method": services.METHOD_ITEM,
    "survey_date": services.DATE_ITEM,
    "required": services.COLLECTOR_ITEM,
}


@dataclass
class Tally:
    """Counts of one pass; ``to_create``/``to_change`` are what a dry run
    would do and what an import did."""

    rows_total: int = 0
    rows_blank: int = 0
    rows_bad: int = 0
    to_create: int = 0
    to_change: int = 0
    unchanged: int = 0
    encoding: str = ""
    headers: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    cells: list[str]
    raw: dict[str, object]
    answers: dict[str, object]
    key: str
    problems: list[RowProblem] = field(default_factory=list)


Progress = Callable[[Tally], None]


def run_pass(
    batch: ImportBatch,
    actor: User,
    *,
    write: bool,
    progress: Progress | None = None,
) -> Tally:
    """Check (and with ``write`` import) the batch's file; store its bad
    rows and problems on the batch. Raises ``TableError`` for a file that
    cannot be read at all (nothing is written then)."""
    table = open_table(Path(batch.stored_path), name=batch.file_name)
    merged = table.merged_ranges()
    if merged:
        raise TableError(
            _(
                "文件中有合并单元格（%(ranges)s）：请取消合并单元格，每行填写"
                "完整后重新上传。"
            )
            % {"ranges": "、".join(merged[:5])}
        )
    tally = Tally(encoding=table.encoding)
    handler = _Pass(batch, actor, write=write, tally=tally)
    rows = table.rows()
    layout = _read_header(handler.form, rows, tally)
    tally.headers = list(layout.headers)

    chunk: list[_Row] = []
    for line, cells in rows:
        if is_blank(cells):
            tally.rows_blank += 1
            continue
        tally.rows_total += 1
        if tally.rows_total > MAX_ROWS:
            raise TableError(
                _("文件超过%(max)s行：请按乡镇（街道）分开导入。") % {"max": MAX_ROWS}
            )
        chunk.append(handler.parse(layout, line, cells))
        if len(chunk) == CHUNK_ROWS:
            handler.handle(chunk)
            chunk = []
            if progress is not None:
                progress(tally)
    if chunk:
        handler.handle(chunk)
    if progress is not None:
        progress(tally)
    return tally


def _read_header(
    form: Questionnaire, rows: Iterator[tuple[int, Any]], tally: Tally
) -> Layout:
    for line, cells in rows:
        if is_blank(cells):
            continue
        return build_layout(form, cells, line)
    raise TableError(_("文件是空的：没有表头和数据。请使用下载的模板填写。"))


class _Pass:
    """The per-kind steps of a pass, and what it has seen so far."""

    def __init__(
        self, batch: ImportBatch, actor: User, *, write: bool, tally: Tally
    ) -> None:
        self.batch = batch
        self.actor = actor
        self.write = write
        self.tally = tally
        self.person = batch.kind == ImportKind.PERSON
        model = PersonRecord if self.person else CommunityRecord
        self.form = model.questionnaire()
        self.key_item = KEY_ITEMS[ImportKind(batch.kind)]
        self.seen: dict[str, int] = {}
        self.layout: Layout | None = None

    # --- reading -----------------------------------------------------------

    def parse(self, layout: Layout, line: int, cells: Any) -> _Row:
        self.layout = layout
        texts = [_text(cell) for cell in cells]
        row = _Row(line, texts, {}, {}, "")
        for index, column in layout.columns:
            raw = cells[index] if index < len(cells) else None
            row.raw[column.item.id] = raw
            value, message = parse_cell(column.item, raw)
            row.answers[column.item.id] = value
            if message:
                row.problems.append(self._problem(row, column.item.id, message))
        self._check_key(row)
        return row

    def _check_key(self, row: _Row) -> None:
        key = row.answers.get(self.key_item)
        if any(p.column == self._header(self.key_item) for p in row.problems):
            return
        if not isinstance(key, str):
            row.problems.append(
                self._problem(row, self.key_item, _("此项必须填写，请补上。"))
            )
            return
        first = self.seen.setdefault(key, row.line)
        if first == row.line:
            row.key = key
        else:
            message = _(
                "与第%(first)s行重复（去掉空格、全角字符等差别后相同）：同一份"
                "登记表只能有一行，本行不导入，请删除重复的行。"
            ) % {"first": first}
            row.problems.append(self._problem(row, self.key_item, message))

    # --- checking and writing ------------------------------------------------

    def handle(self, chunk: list[_Row]) -> None:
        targets = self._targets([r.key for r in chunk if r.key])
        records = self._records(list(targets.values()))
        if self.write:
            with transaction.atomic():
                self._write_chunk(chunk, targets, records)
        else:
            self._rows(chunk, targets, records)
        self._store_bad([row for row in chunk if row.problems])

    def _write_chunk(
        self,
        chunk: list[_Row],
        targets: Mapping[str, Any],
        records: Mapping[Any, SurveyRecord],
    ) -> None:
        """Write a chunk. The logic audit of a deferred block covers the
        whole subtree its records share, so rows are audited together per
        village when the chunk holds runs of one village (files sorted by
        village, as exports and most county files are), and one by one on
        save otherwise: either way the cost grows with the rows, not with
        the records already stored."""
        groups: dict[str, list[_Row]] = defaultdict(list)
        for row in chunk:
            target = targets.get(row.key)
            groups[_village_of(target)].append(row)
        if len(chunk) < DEFER_MIN_ROWS * len(groups):
            self._rows(chunk, targets, records)
            return
        for rows in groups.values():
            with deferred_audit(self.actor):
                self._rows(rows, targets, records)

    def _rows(
        self,
        rows: list[_Row],
        targets: Mapping[str, Any],
        records: Mapping[Any, SurveyRecord],
    ) -> None:
        """Check (and on commit write) rows through the batch services.
        On commit the rows of new records without a problem so far are
        written by ``create_*_records``; the others are checked by
        ``check_*_records`` and, when their record exists with other
        answers, corrected one by one (``change_*_record``)."""
        known = [row for row in rows if row.key and row.key in targets]
        entries = {row.line: self._entry(row, targets[row.key]) for row in known}
        new = [
            row
            for row in known
            if self.write
            and not row.problems
            and records.get(targets[row.key].pk) is None
        ]
        if new:
            self._create_rows(new, targets, entries)
        lines = {row.line for row in new}
        checked = [row for row in known if row.line not in lines]
        results = self._check_all([entries[row.line] for row in checked])
        outcome = dict(zip((row.line for row in checked), results, strict=True))
        for row in rows:
            if row.line in outcome:
                target = targets[row.key]
                self._settle(row, target, records.get(target.pk), outcome[row.line])
            elif row.key and row.key not in targets:
                row.problems.append(self._unknown(row))
            if row.problems:
                self.tally.rows_bad += 1

    def _create_rows(
        self,
        rows: list[_Row],
        targets: Mapping[str, Any],
        entries: Mapping[int, Any],
    ) -> None:
        """Write new records. A row is refused before anything is written
        if the skip logic would store empty an answer the file gives."""

        def accept(index: int, cleaned: CleanedAnswers) -> bool:
            row = rows[index]
            self._refuse_cleared(row, _emptied(row.answers, cleaned.values))
            return not row.problems

        batch = [entries[row.line] for row in rows]
        round = self.batch.round
        results: list[Any]
        if self.person:
            results = services.create_person_records(
                self.actor, round, batch, accept=accept
            )
        else:
            results = services.create_community_records(
                self.actor, round, batch, accept=accept
            )
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, SurveyRecord):
                self.tally.to_create += 1
            elif result is not None:
                self._refused(row, targets[row.key], result)

    def _check_all(self, entries: list[Any]) -> list[CleanedAnswers | services.Refusal]:
        if not entries:
            return []
        round = self.batch.round
        if self.person:
            return services.check_person_records(self.actor, round, entries)
        return services.check_community_records(self.actor, round, entries)

    def _settle(
        self,
        row: _Row,
        target: Any,
        record: SurveyRecord | None,
        result: CleanedAnswers | services.Refusal,
    ) -> None:
        """A checked row: report its problems (every cell's, also where
        reading already found one elsewhere in the row), count it, and on
        commit correct its record, in a savepoint (a refused correction
        never undoes the other rows)."""
        if not isinstance(result, CleanedAnswers):
            self._refused(row, target, result)
            return
        self._refuse_cleared(row, result.cleared)
        if row.problems:
            return
        if record is None:
            self.tally.to_create += 1
            return
        savepoint = transaction.atomic() if self.write else nullcontext()
        try:
            with savepoint:
                self._compare(row, record, result)
        except (ValidationError, PermissionDenied) as error:
            self._refused(row, target, error)

    def _refused(self, row: _Row, target: Any, error: services.Refusal) -> None:
        if isinstance(error, PermissionDenied):
            self._add(row, [RowProblem(row.line, "", "", str(error))])
            return
        self._add(row, self._problems_of(row, error))
        self._refuse_cleared(row, self._cleared(row, target))

    def _entry(self, row: _Row, target: Any) -> Any:
        """The row as an entry of the batch services."""
        if self.person:
            method, collector, day = self._bookkeeping(row)
            return services.NewPersonRecord(
                target,
                row.answers,
                survey_method=method,
                collector=collector,
                survey_date=day,
            )
        return services.NewCommunityRecord(target, row.answers)

    def _add(self, row: _Row, problems: list[RowProblem]) -> None:
        """Add problems, leaving out those of a cell already reported."""
        reported = {p.column for p in row.problems if p.column}
        row.problems += [
            p for p in problems if not p.column or p.column not in reported
        ]

    def _cleared(self, row: _Row, target: Any) -> frozenset[str]:
        """The items the skip logic would empty, for a row the services
        refused before saying so."""
        if self.person:
            derived = services.person_derived(target, self.batch.round)
        else:
            derived = services.community_derived(target.code)
        return clean_answers(self.form, row.answers, derived).cleared

    def _refuse_cleared(self, row: _Row, cleared: Iterable[str]) -> None:
        """Answers given for items the skip logic says do not apply: the
        services would store them as empty; an import refuses them, since
        they usually show a mistake in an earlier answer."""
        for item_id in sorted(cleared, key=self._order):
            message = _(
                "按登记表的跳转规则，根据本行前面的答案此项不应填写：请核对"
                "前面的答案，或清空此格。"
            )
            row.problems.append(self._problem(row, item_id, message))

    def _compare(
        self, row: _Row, record: SurveyRecord, cleaned: CleanedAnswers
    ) -> None:
        stored = values_of(self.form, record)
        changes = changed_items(self.form, stored, cleaned.values)
        if not changes:
            self.tally.unchanged += 1
            return
        if record.status != RecordStatus.SAVED:
            row.problems.append(
                RowProblem(
                    row.line,
                    "",
                    "",
                    _("这份登记表在系统中还是草稿：请在录入界面完成后再导入。"),
                )
            )
            return
        if not (self.batch.reason and self.batch.responsible_person):
            items = "、".join(self._header(c.item_id) for c in changes[:5])
            row.problems.append(
                RowProblem(
                    row.line,
                    "",
                    "",
                    _(
                        "本年度已有这份登记表，文件中的答案与已存的不同（%(items)s）。"
                        "如确需更正，请在上传时填写更正原因和责任人；否则请删除此行。"
                    )
                    % {"items": items},
                )
            )
            return
        if not self.actor.has_role(*CORRECTION_ROLES):
            raise PermissionDenied(_("您的角色不能更正已保存的登记表。"))
        if self.write:
            self._change(row, record, cleaned.values)
        self.tally.to_change += 1

    def _change(
        self, row: _Row, record: SurveyRecord, values: Mapping[str, Value]
    ) -> None:
        change = (
            services.change_person_record
            if isinstance(record, PersonRecord)
            else services.change_community_record
        )
        change(
            self.actor,
            record,  # type: ignore[arg-type]
            dict(values),
            expected_version=record.version,
            reason=self.batch.reason,
            responsible_person=self.batch.responsible_person,
            batch_id=self.batch.batch_id,
        )

    def _bookkeeping(self, row: _Row) -> tuple[int, str, date]:
        """H2, F4 and F5 as the keyword arguments of ``create_person_record``.
        A missing one is reported here and replaced by a stand-in, so that
        the services still list the row's other problems (the row stays
        refused)."""
        round = self.batch.round
        method = row.answers.get(services.METHOD_ITEM)
        collector = row.answers.get(services.COLLECTOR_ITEM)
        day = row.answers.get(services.DATE_ITEM)
        for item_id, value in (
            (services.METHOD_ITEM, method),
            (services.COLLECTOR_ITEM, collector),
            (services.DATE_ITEM, day),
        ):
            if value is None or (isinstance(value, str) and not value.strip()):
                self._add(row, [self._problem(row, item_id, _("此项必须填写。"))])
        return (
            method if isinstance(method, int) else 1,
            collector if isinstance(collector, str) else "-",
            day if isinstance(day, date) else round.reference_date,
        )

    # --- lookups ---------------------------------------------------------------

    def _targets(self, keys: list[str]) -> dict[str, Any]:
        if self.person:
            persons = Person.objects.filter(certificate_number__in=keys)
            return {p.certificate_number: p for p in persons}
        villages = Region.objects.filter(code__in=keys, level=Level.VILLAGE)
        return {v.code: v for v in villages}

    def _records(self, targets: list[Any]) -> dict[Any, SurveyRecord]:
        round = self.batch.round
        if self.person:
            # Unordered: the default ordering (year, region) made SQLite
            # read the whole round instead of looking the persons up.
            found = PersonRecord.objects.filter(
                round=round, person__in=targets
            ).order_by()
            return {r.person_id: r for r in found}
        communities = CommunityRecord.objects.filter(
            round=round, village__in=targets
        ).order_by()
        return {r.village_id: r for r in communities}

    def _unknown(self, row: _Row) -> RowProblem:
        if self.person:
            check = check_certificate_number(row.key)
            if not check.ok:
                message = "；".join(p.message for p in check.errors)
            else:
                message = _(
                    "持证残疾人库中没有这个残疾人证号：请核对证号；新办证的人员"
                    "请先载入底册。"
                )
        else:
            message = _(
                "没有这个村(社区)统计用区划代码：请填写12位村级代码，开头的0不能省略。"
            )
        return self._problem(row, self.key_item, message)

    # --- problems ----------------------------------------------------------------

    def _problems_of(self, row: _Row, error: ValidationError) -> list[RowProblem]:
        if hasattr(error, "error_dict"):
            return [
                self._problem(row, item_id, message)
                for item_id, messages in error.message_dict.items()
                for message in messages
            ]
        problems = []
        for part in error.error_list:
            item_id = _CODE_ITEMS.get(str(part.code))
            for message in part.messages:
                if item_id and item_id in self.form.item_ids:
                    problems.append(self._problem(row, item_id, message))
                else:
                    problems.append(RowProblem(row.line, "", "", message))
        return problems

    def _problem(self, row: _Row, item_id: str, message: str) -> RowProblem:
        if item_id not in self.form.item_ids:
            return RowProblem(row.line, "", "", message)
        value = _text(row.raw.get(item_id))[:VALUE_MAX]
        return RowProblem(row.line, self._header(item_id), value, message)

    def _header(self, item_id: str) -> str:
        column = self.layout.column_of(item_id) if self.layout else None
        if column is None:
            item = self.form.item(item_id)
            return f"{item.number} {item.label}"
        return column.header

    def _order(self, item_id: str) -> int:
        ids = [item.id for item in self.form.items]
        return ids.index(item_id) if item_id in ids else len(ids)

    def _store_bad(self, rows: list[_Row]) -> None:
        if not rows:
            return
        BadRow.objects.bulk_create(
            BadRow(batch=self.batch, line=row.line, cells=row.cells) for row in rows
        )
        ImportProblem.objects.bulk_create(
            ImportProblem(
                batch=self.batch,
                line=problem.line,
                column=problem.column[:200],
                value=problem.value[:VALUE_MAX],
                message=problem.message,
            )
            for row in rows
            for problem in row.problems
        )


def _village_of(target: Any) -> str:
    if isinstance(target, Person):
        return target.region_code
    if isinstance(target, Region):
        return target.code
    return ""


def _emptied(answers: Mapping[str, object], stored: Mapping[str, Value]) -> set[str]:
    """Items given in the file that were stored empty: the skip logic said
    they do not apply (blank text is ``None`` already when read)."""
    return {
        item_id
        for item_id, value in answers.items()
        if value is not None and stored.get(item_id) is None
    }


def _text(cell: object) -> str:
    return cell_text(cell)
