"""The main job: one county's whole annual update, through the services.

After the round is open and the base list loaded (``cycle``), the job
enters a community form for every village; one township's clerk types
her paper person forms into the Excel template and imports the file;
the county enters a person form for every other holder (all with the
usual rate of field mistakes); then it audits the county in
bulk, corrects the errors and verifies the queries, writes the summary
tables and the validation report, prepares, signs twice and submits; the
city spot-checks and returns the county once, the county fixes and
resubmits, the city accepts and submits to the province. Every step is
a service the interface calls too, run as the demo account whose role it
needs. Each stage is skipped when its work is already done, so the job
can run again.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from io import TextIOBase
from multiprocessing import Value
from pathlib import Path
from typing import Any

from django.db import connections, transaction
from django.db.models import Q
from tqdm import tqdm

from dtgx.accounts.models import User
from dtgx.demo.accounts import DEMO_PASSWORD
from dtgx.demo.answers import AnswerGenerator, MistakeRates
from dtgx.exports import Column, ColumnKind, write_xlsx
from dtgx.quality import services as quality
from dtgx.quality.models import SpotCheck, SpotCheckResult
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import BaseListEntry, Person
from dtgx.reporting import services as reporting
from dtgx.reporting.models import Submission, SubmissionStatus
from dtgx.reporting.report import build_validation_report
from dtgx.survey import services as survey
from dtgx.survey.models import CommunityRecord, PersonRecord, RecordStatus, Round
from dtgx.validation.models import Finding, FindingStatus
from dtgx.validation.services import (
    audit_region,
    deferred_audit,
    rule_set_for,
    verify_finding,
)

logger = logging.getLogger(__name__)

BATCH = 500
COLLECTORS = ("李梅", "王芳", "张伟", "刘洋", "陈静")
CORRECTION_REASON = "核对原始登记表后更正（逻辑审核：%s）"
RETURN_REASON = (
    "网络抽查{sampled}份，{inconsistent}份登记表与原始表不一致，差错率{rate}%，"
    "超过{threshold}%的验收标准。请核对这些登记表所在村的全部登记表，更正后重新上报。"
)
VERIFY_TEXT = {
    "ID12": "已核实：本人户籍在外县，长期居住在本村，属人户分离。",
}
DEFAULT_VERIFY_TEXT = "已电话回访本人或家属核实，情况属实。"
# Queries the county corrects rather than verifies: a misspelt name.
CORRECTED_QUERIES = ("ID10",)


@dataclass
class StageReport:
    name: str
    seconds: float
    lines: list[str] = field(default_factory=list)


@dataclass
class JobReport:
    stages: list[StageReport] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(stage.seconds for stage in self.stages)


class MainJob:
    """The stages of the annual update of ``county`` in ``round``."""

    def __init__(
        self,
        round: Round,
        county: Region,
        output: Path,
        stream: TextIOBase,
        *,
        workers: int = 1,
    ) -> None:
        self.round = round
        self.workers = workers
        self.county = county
        self.city = Region.objects.get(code=county.parent_id)
        self.output = output
        self.stream = stream
        self.report = JobReport()
        self.users = {
            name: User.objects.get(username=name)
            for name in (
                "county_clerk",
                "county_auditor",
                "county_director",
                "county_deputy",
                "county_chairman",
                "city_auditor",
                "city_director",
                "city_deputy",
                "city_chairman",
            )
        }

    def run(self) -> JobReport:
        self.output.mkdir(parents=True, exist_ok=True)
        for name, stage in (
            ("登记：社区登记表", self.enter_communities),
            ("登记：乡镇录入的Excel文件导入", self.import_township),
            ("登记：残疾人登记表", self.enter_persons),
            ("批量逻辑审核", self.audit),
            ("处理审核发现（更正错误、核实疑问）", self.resolve_findings),
            ("汇总表和数据校验报告", self.write_tables),
            ("县级准备、双签字、上报", self.submit_county),
            ("市级网络抽查，退回一次", self.return_once),
            ("县级更正后重新上报，市级验收", self.accept_county),
            ("市级汇总上报至省级", self.submit_city),
        ):
            self._stage(name, stage)
        return self.report

    def _stage(self, name: str, work: Callable[[], list[str]]) -> None:
        self.stream.write(f"\n▶ {name}\n")
        self.stream.flush()
        started = time.perf_counter()
        lines = work()
        seconds = time.perf_counter() - started
        for line in lines:
            self.stream.write(f"  {line}\n")
        self.stream.write(f"  （{seconds:.1f} 秒）\n")
        self.report.stages.append(StageReport(name, seconds, lines))

    # --- entry

    def enter_communities(self) -> list[str]:
        clerk = self.users["county_clerk"]
        villages = list(
            Region.objects.within(self.county)
            .filter(level=Level.VILLAGE, valid_to__isnull=True)
            .exclude(
                code__in=CommunityRecord.objects.filter(round=self.round).values(
                    "village"
                )
            )
            .order_by("code")
        )
        holders: dict[str, Counter[int]] = defaultdict(Counter)
        for village, category in self._entries().values_list(
            "village", "person__category"
        ):
            holders[village][category] += 1
        generator = AnswerGenerator(seed=int(self.county.code[:6]))
        with deferred_audit(clerk), transaction.atomic():
            for village in self._progress(villages, "社区登记表"):
                survey.create_community_record(
                    clerk,
                    self.round,
                    village,
                    generator.village(village.name, holders[village.code], self.round),
                )
        total = CommunityRecord.objects.filter(
            round=self.round, region_code__startswith=self.county.code[:6]
        ).count()
        return [f"新录入 {len(villages):,} 份，共 {total:,} 份社区登记表"]

    def import_township(self) -> list[str]:
        """The demo township's person forms, typed into the generated
        template (field mistakes and all) and imported by its clerk: dry
        run, then the valid rows committed; bad rows go to the error
        report in the output folder."""
        from dtgx.imports import services as imports
        from dtgx.imports.models import ImportKind, ImportStatus

        clerk = User.objects.get(username="township_clerk")
        township = clerk.region
        if township is None or not township.code.startswith(self.county.code[:6]):
            return ["演示乡镇不在本县，跳过"]
        entered = PersonRecord.objects.filter(round=self.round).values("person")
        persons = list(
            Person.objects.filter(
                pk__in=self._entries()
                .filter(village__code__startswith=township.code[:9])
                .exclude(person__in=entered)
                .values("person")
            ).order_by("region_code", "pk")
        )
        if not persons:
            return ["本乡镇登记表已导入，跳过"]
        path = self.output / f"{township.name}残疾人登记表-{self.round.year}.xlsx"
        _write_person_file(path, persons, self.round)
        self.report.files.append(path)

        with path.open("rb") as handle:
            batch = imports.start_import(
                clerk,
                self.round,
                ImportKind.PERSON,
                iter(lambda: handle.read(1 << 20), b""),
                file_name=path.name,
            )
        if batch.status != ImportStatus.CHECKED:
            # The database backend queues the check for ``db_worker``.
            return [f"导入批次 {batch.pk} 已排队（{batch.get_status_display()}）"]
        checked = f"试导入：{batch.rows_total:,} 行，有错误 {batch.rows_bad:,} 行"
        imports.decide_import(clerk, batch, commit=True)
        batch.refresh_from_db()
        lines = [
            f"{township.name}录入员导入 {path.name}",
            checked,
            f"导入：新建 {batch.to_create:,} 份（{batch.get_status_display()}）",
        ]
        if batch.rows_bad:
            from dtgx.imports.report import report_columns, report_rows

            report = self.output / f"{township.name}导入错误报告-{self.round.year}.xlsx"
            write_xlsx(report_rows(batch), report_columns(batch), report, "错误报告")
            self.report.files.append(report)
            lines.append(f"错误报告：{report.name}")
        return lines

    def enter_persons(self) -> list[str]:
        entered = PersonRecord.objects.filter(round=self.round).values("person")
        pks = list(
            Person.objects.filter(
                pk__in=self._entries().exclude(person__in=entered).values("person")
            )
            .order_by("region_code", "pk")
            .values_list("pk", flat=True)
        )
        workers = max(1, min(self.workers, len(pks) // BATCH))
        if workers == 1:
            done = Value("i", 0)
            with self._counter(done, len(pks)):
                _enter_persons(self.round.pk, pks, 0, done)
        else:
            self._enter_in_parallel(pks, workers)
        base = self._entries().count()
        updated = PersonRecord.objects.filter(
            round=self.round,
            region_code__startswith=self.county.code[:6],
            status=RecordStatus.SAVED,
        ).count()
        return [
            f"新录入 {len(pks):,} 份（{workers} 个进程）；底册 {base:,} 人，"
            f"已更新 {updated:,} 人，更新率 {_percent(updated, base)}"
        ]

    def _enter_in_parallel(self, pks: list[int], workers: int) -> None:
        """Clerks working side by side: one process each, on a contiguous
        share of the villages (SQLite takes one writer at a time, but the
        work of a save is mostly Python, so two cores nearly halve it)."""
        context = multiprocessing.get_context("fork")
        done = context.Value("i", 0)
        size = -(-len(pks) // workers)
        shares = [pks[i : i + size] for i in range(0, len(pks), size)]
        connections.close_all()  # each process opens its own
        processes = [
            context.Process(target=_enter_persons, args=(self.round.pk, share, n, done))
            for n, share in enumerate(shares)
        ]
        with self._counter(done, len(pks)):
            for process in processes:
                process.start()
            for process in processes:
                process.join()
        failed = [p.exitcode for p in processes if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"entry processes failed: exit codes {failed}")

    @contextmanager
    def _counter(self, done: Any, total: int) -> Iterator[None]:
        """A progress bar fed by a shared counter, from a thread."""
        stop = threading.Event()
        bar = tqdm(
            total=total,
            desc="  残疾人登记表",
            unit="份",
            file=self.stream,
            leave=False,
            disable=total < 200,
        )

        def follow() -> None:
            while not stop.wait(0.5):
                bar.n = done.value
                bar.refresh()

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            bar.close()

    # --- audit and findings

    def audit(self) -> list[str]:
        run = audit_region(self.users["county_auditor"], self.round, self.county.code)
        return [
            f"审核 {run.records:,} 份登记表，用时 {run.seconds:.1f} 秒，"
            f"规则集 {run.rule_set_version}",
            "审核发现（处理前）：" + self._findings_line(),
        ]

    def resolve_findings(self) -> list[str]:
        corrected = self._correct_errors()
        verified = self._verify_queries()
        return [
            f"更正登记表 {corrected:,} 份，核实疑问 {verified:,} 条",
            "审核发现（处理后）：" + self._findings_line(),
        ]

    def _correct_errors(self) -> int:
        """Correct every record holding an open error, and the names that
        differ from the registry, with answers checked against the paper."""
        clerk = self.users["county_clerk"]
        open_findings = self._findings().filter(status=FindingStatus.OPEN)
        to_fix: dict[int, set[str]] = defaultdict(set)
        wrong = open_findings.filter(person_record__isnull=False).filter(
            Q(severity="error") | Q(rule_id__in=CORRECTED_QUERIES)
        )
        for record, rule in wrong.values_list("person_record", "rule_id"):
            to_fix[record].add(rule)
        communities = set(
            open_findings.filter(
                community_record__isnull=False, severity="error"
            ).values_list("community_record", flat=True)
        )
        clean = AnswerGenerator(
            seed=7, rates=MistakeRates(0, 0, 0, 0)
        )  # the paper form's true answers
        with deferred_audit(clerk):
            for batch in _chunks(self._progress(sorted(to_fix), "更正登记表"), BATCH):
                with transaction.atomic():
                    for pk in batch:
                        self._correct_person(clerk, clean, pk, to_fix[pk])
            with transaction.atomic():
                for pk in communities:
                    self._correct_community(clerk, clean, pk)
        return len(to_fix) + len(communities)

    def _correct_person(
        self, clerk: User, clean: AnswerGenerator, pk: int, rules: set[str]
    ) -> None:
        record = PersonRecord.objects.select_related("person").get(pk=pk)
        form = clean.person(
            record.person, self.round, record.collector, method=record.survey_method
        )
        survey.change_person_record(
            clerk,
            record,
            form.answers,
            expected_version=record.version,
            reason=CORRECTION_REASON % "、".join(sorted(rules)),
            responsible_person=record.collector,
        )

    def _correct_community(self, clerk: User, clean: AnswerGenerator, pk: int) -> None:
        record = CommunityRecord.objects.select_related("village").get(pk=pk)
        holders: Counter[int] = Counter(
            self._entries()
            .filter(village=record.village)
            .values_list("person__category", flat=True)
        )
        answers = clean.village(record.village.name, holders, self.round)
        survey.change_community_record(
            clerk,
            record,
            answers,
            expected_version=record.version,
            reason=CORRECTION_REASON % "社区表人数",
            responsible_person="赵红",
        )

    def _verify_queries(self) -> int:
        auditor = self.users["county_auditor"]
        queries = list(
            self._findings().filter(status=FindingStatus.OPEN, severity="query")
        )
        with transaction.atomic():
            for finding in self._progress(queries, "核实疑问"):
                text = VERIFY_TEXT.get(finding.rule_id, DEFAULT_VERIFY_TEXT)
                verify_finding(auditor, finding, text)
        return len(queries)

    # --- tables and files

    def write_tables(self) -> list[str]:
        from dtgx.reporting.summary import compute_all, write_summary_xlsx

        tables = compute_all(self.round, self.county.code)
        code = self.county.code[:6]
        summary = self.output / f"汇总表-{code}-{self.round.year}.xlsx"
        write_summary_xlsx(
            tables, summary, region_name=self.county.name, year=self.round.year
        )
        report = build_validation_report(self.round, self.county.code)
        report_file = self.output / f"数据校验报告-{code}-{self.round.year}.xlsx"
        _write_report(report, report_file, self.county.name)
        self.report.files += [summary, report_file]
        return [
            f"汇总表 {len(tables)} 张：{summary}",
            f"数据校验报告：{report_file}（底册 {report['base_list']:,} 人，"
            f"更新率 {report['update_rate']}%，入户率 {report['visit_rate']}%）",
        ]

    # --- submission and acceptance

    def submit_county(self) -> list[str]:
        submission = self._submission(self.county)
        if submission.status not in (
            SubmissionStatus.PREPARING,
            SubmissionStatus.RETURNED,
        ):
            return [f"已是“{submission.get_status_display()}”，跳过"]
        digest = self._prepare_sign_submit(self.county, "county")
        return [f"快照摘要 {digest[:16]}…，双签字并上报：已上报，数据已锁定"]

    def return_once(self) -> list[str]:
        submission = self._submission(self.county)
        if submission.status != SubmissionStatus.SUBMITTED or submission.cycle > 1:
            return [f"已是“{submission.get_status_display()}”，跳过"]
        auditor = self.users["city_auditor"]
        spot_check = quality.draw_sample(auditor, submission, seed=2025)
        items = list(spot_check.items.all())
        # Just enough records found inconsistent to exceed the threshold,
        # so that the suggested verdict and the director's return agree.
        wrong = int(spot_check.threshold * len(items)) + 1
        for n, item in enumerate(items):
            if n < wrong:
                quality.mark_item(
                    auditor, item, SpotCheckResult.INCONSISTENT, "R1姓名与原始表不一致"
                )
            else:
                quality.mark_item(auditor, item, SpotCheckResult.CONSISTENT, "")
        verdict = quality.verdict(spot_check)
        sample_file = self._write_sample(spot_check, "第1次")
        reason = RETURN_REASON.format(
            sampled=verdict.sampled,
            inconsistent=verdict.inconsistent,
            rate=verdict.error_percent,
            threshold=(spot_check.threshold * 100).quantize(Decimal("0.1")),
        )
        quality.return_for_correction(self.users["city_director"], submission, reason)
        for item in items[:wrong]:
            self._fix_returned(item.record_id)
        return [
            f"抽取 {verdict.sampled} 份（{spot_check.method}，"
            f"种子 {spot_check.seed}），"
            f"不一致 {verdict.inconsistent} 份，差错率 {verdict.error_percent}%"
            f"（{'建议验收通过' if verdict.suggests_acceptance else '建议退回'}）",
            f"退回：{reason}",
            f"抽查样本：{sample_file}",
        ]

    def _fix_returned(self, pk: int) -> None:
        record = PersonRecord.objects.get(pk=pk)
        survey.change_person_record(
            self.users["county_clerk"],
            record,
            {"footer.remarks": "按市级抽查意见核对原始登记表，已更正。"},
            expected_version=record.version,
            reason="按市级抽查退回意见，核对原始登记表后更正",
            responsible_person=record.collector,
        )

    def accept_county(self) -> list[str]:
        submission = self._submission(self.county)
        lines = []
        if submission.status == SubmissionStatus.RETURNED:
            digest = self._prepare_sign_submit(self.county, "county")
            lines.append(
                f"重新上报（第{self._submission(self.county).cycle}轮），"
                f"摘要 {digest[:16]}…"
            )
            submission.refresh_from_db()
        if submission.status != SubmissionStatus.SUBMITTED:
            return [*lines, f"已是“{submission.get_status_display()}”，跳过"]
        auditor = self.users["city_auditor"]
        spot_check = quality.draw_sample(auditor, submission, seed=2026)
        for item in spot_check.items.all():
            quality.mark_item(auditor, item, SpotCheckResult.CONSISTENT, "")
        verdict = quality.verdict(spot_check)
        quality.accept(self.users["city_director"], spot_check)
        sample_file = self._write_sample(spot_check, "第2次")
        return [
            *lines,
            f"抽取 {verdict.sampled} 份，全部一致，差错率 {verdict.error_percent}%："
            "已验收",
            f"抽查样本：{sample_file}",
        ]

    def submit_city(self) -> list[str]:
        submission = self._submission(self.city)
        if submission.status not in (
            SubmissionStatus.PREPARING,
            SubmissionStatus.RETURNED,
        ):
            return [f"已是“{submission.get_status_display()}”，跳过"]
        digest = self._prepare_sign_submit(self.city, "city")
        return [f"{self.city.name}汇总已验收的县，摘要 {digest[:16]}…：已上报省级"]

    def _prepare_sign_submit(self, region: Region, level: str) -> str:
        director = self.users[f"{level}_director"]
        snapshot = reporting.prepare_submission(director, self.round, region.code)
        submission = snapshot.submission
        for kind in reporting.required_signatures(region.code):
            role = reporting.signer_role(region.code, kind)
            signer = self.users[f"{level}_{_SLUGS[role.value]}"]
            reporting.sign_submission(
                signer, submission, kind, password=DEMO_PASSWORD, digest=snapshot.digest
            )
        reporting.submit_submission(director, submission)
        return snapshot.digest

    def _submission(self, region: Region) -> Submission:
        return reporting.submission_for(self.round, region.code)

    def _write_sample(self, spot_check: SpotCheck, label: str) -> Path:
        path = self.output / f"抽查样本-{self.county.code[:6]}-{label}.xlsx"
        columns = [
            Column("村(社区)区划代码", ColumnKind.IDENTIFIER),
            Column("登记表记录号", ColumnKind.INTEGER),
            Column("核查结果", ColumnKind.TEXT),
            Column("核查说明", ColumnKind.TEXT),
        ]
        rows = (
            (item.region_code, item.record_id, item.get_result_display(), item.note)
            for item in spot_check.items.all()
        )
        write_xlsx(rows, columns, path, "抽查样本")
        self.report.files.append(path)
        return path

    # --- helpers

    def _entries(self) -> Any:
        return BaseListEntry.objects.filter(
            year=self.round.year, village__code__startswith=self.county.code[:6]
        )

    def _findings(self) -> Any:
        return Finding.objects.filter(
            round=self.round, region_code__startswith=self.county.code[:6]
        )

    def _findings_line(self) -> str:
        counts = Counter(
            (severity, status)
            for severity, status in self._findings().values_list("severity", "status")
        )
        parts = []
        for severity, label in (("error", "错误"), ("query", "疑问")):
            parts.append(
                f"{label}：待处理 {counts[(severity, 'open')]:,}，"
                f"已核实 {counts[(severity, 'verified')]:,}，"
                f"已更正 {counts[(severity, 'resolved')]:,}"
            )
        return "；".join(parts)

    def _progress(self, items: list[Any], label: str) -> Iterable[Any]:
        return tqdm(
            items,
            desc=f"  {label}",
            unit="份",
            file=self.stream,
            leave=False,
            mininterval=0.5,
            disable=len(items) < 200,
        )


def _enter_persons(round_pk: int, pks: list[int], worker: int, done: Any) -> None:
    """One clerk's share: each holder's form through the entry service,
    one transaction a record, audited together township by township
    (``pks`` come in region order). Each audit is one short write
    transaction, so the other clerk's saves never wait long on SQLite's
    single writer; a clerk's whole share in one made them time out."""
    round = Round.objects.get(pk=round_pk)
    clerk = User.objects.get(username="county_clerk")
    generator = AnswerGenerator(seed=int(round.year) * 100 + worker)
    township: dict[int, str] = {}
    for batch in _chunks(pks, 900):
        township.update(
            (pk, code[:9])
            for pk, code in Person.objects.filter(pk__in=batch).values_list(
                "pk", "region_code"
            )
        )
    try:
        for run in _runs(pks, township.__getitem__):
            with deferred_audit(clerk):
                for batch in _chunks(run, 100):
                    _enter_batch(clerk, round, generator, batch, worker)
                    with done.get_lock():
                        done.value += len(batch)
    except Exception:
        logger.exception("entry worker %s failed", worker)
        raise


def _enter_batch(
    clerk: User,
    round: Round,
    generator: AnswerGenerator,
    pks: list[int],
    worker: int,
) -> None:
    persons = Person.objects.in_bulk(pks)
    for pk in pks:
        form = generator.person(
            persons[pk], round, COLLECTORS[(worker + pk) % len(COLLECTORS)]
        )
        survey.create_person_record(
            clerk,
            round,
            persons[pk],
            form.answers,
            survey_method=form.survey_method,
            collector=form.collector,
            survey_date=form.survey_date,
        )


def _write_person_file(path: Path, persons: list[Person], round: Round) -> None:
    """The rows a clerk types from paper forms, in the import template's
    columns (as ``imports.workbook`` makes them), one row per holder."""
    from openpyxl import Workbook

    from dtgx.survey.sheets import cell_value, item_columns

    columns = item_columns(PersonRecord.questionnaire())
    generator = AnswerGenerator(seed=int(round.year) * 100 + 99)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("残疾人登记表")
    sheet.append([column.header for column in columns])
    for n, person in enumerate(persons):
        form = generator.person(person, round, COLLECTORS[n % len(COLLECTORS)])
        answers: dict[str, Any] = dict(form.answers)
        answers[survey.METHOD_ITEM] = form.survey_method
        answers[survey.COLLECTOR_ITEM] = form.collector
        answers[survey.DATE_ITEM] = form.survey_date
        sheet.append(
            [
                cell_value(
                    column.item,
                    _cell(answers.get(column.item.id)),
                    reveal_ids=True,
                )
                for column in columns
            ]
        )
    book.save(path)


def _cell(value: object) -> Any:
    if isinstance(value, list | set):
        return frozenset(value)
    return value


def _enter_in_child(round_pk: int, pks: list[int], worker: int, done: Any) -> None:
    """``_enter_persons`` in a forked process, which closes its own
    database connection when done."""
    try:
        _enter_persons(round_pk, pks, worker, done)
    finally:
        connections.close_all()


_SLUGS = {
    "deputy_secretary_general": "deputy",
    "federation_chairman": "chairman",
    "office_director": "director",
}


def _runs(items: list[Any], key: Callable[[Any], object]) -> Iterator[list[Any]]:
    """Consecutive items with the same key."""
    run: list[Any] = []
    for item in items:
        if run and key(item) != key(run[-1]):
            yield run
            run = []
        run.append(item)
    if run:
        yield run


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _write_report(report: dict[str, Any], path: Path, region_name: str) -> None:
    columns = [
        Column("规则编号", ColumnKind.TEXT),
        Column("规则名称", ColumnKind.TEXT),
        Column("严重程度", ColumnKind.TEXT),
        Column("待处理", ColumnKind.INTEGER),
        Column("已核实", ColumnKind.INTEGER),
        Column("已更正", ColumnKind.INTEGER),
    ]
    rows = [
        (
            f["rule_id"],
            f["title"],
            "错误" if f["severity"] == "error" else "疑问",
            f["open"],
            f["verified"],
            f["resolved"],
        )
        for f in report["findings"]
    ]
    del region_name
    write_xlsx(rows, columns, path, "数据校验报告")


__all__ = ["JobReport", "MainJob", "rule_set_for"]
