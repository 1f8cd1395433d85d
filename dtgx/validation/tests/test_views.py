"""The findings pages through HTTP: counts by rule with filters, a list that
pages through every finding in a fixed number of queries, the bulk audit
button, exports with masked numbers and logged access, one finding with
its verify form, and the findings beside a record's items."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import PASSWORD, World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.survey import services as survey
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.helpers import enter, store_person, village_answers
from dtgx.validation.models import AuditRun, Finding, FindingStatus

MaxQueries = Callable[[int], AbstractContextManager[object]]

# The farmer's record raises these on save: he is in no base list (ID09, an
# error) and his village has no community form yet (ST04).
FRESH_RULES = ("ID09", "ST04")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _findings_url(year: int, region: Region, **query: str) -> str:
    url = reverse("validation:findings", args=[year, region.code])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def _rename(clerk: User, record: PersonRecord, name: str) -> None:
    """A correction of the name: the name no longer matches the registry,
    which raises a query (疑问)."""
    record.refresh_from_db()
    survey.change_person_record(
        clerk,
        record,
        {"basic.name": name},
        expected_version=record.version,
        reason="核对原始表后更正",
        responsible_person="李四",
    )


def _open_query(record: PersonRecord) -> Finding:
    query = Finding.objects.filter(
        person_record=record, severity="query", status=FindingStatus.OPEN
    ).first()
    assert query is not None
    return query


def _stored_findings(record: PersonRecord, count: int, *, start: int = 0) -> None:
    """``count`` findings of made-up rules on ``record``, stored directly:
    the list shows them with their rule id and without a message."""
    Finding.objects.bulk_create(
        Finding(
            round_id=record.round_id,
            person_record=record,
            region_code=record.region_code,
            rule_id=f"Z{n:03d}",
            severity="error",
            rule_set_version="national-2018 test",
            found_at=timezone.now(),
        )
        for n in range(start, start + count)
    )


@pytest.fixture
def sangzhi_auditor(world: World) -> User:
    return world.person("sangzhi_auditor", world.sangzhi, Role.AUDITOR)


@pytest.fixture
def lingyang_collector(world: World) -> User:
    return world.person("lingyang_collector", world.lingyang, Role.COLLECTOR)


@pytest.fixture
def second_village(world: World) -> Region:
    return Region.objects.create(
        code="430821100202", name="示例二村", level=Level.VILLAGE, parent=world.lingyang
    )


# --- the findings page ------------------------------------------------------------


def test_the_page_counts_findings_by_rule_and_status(
    world: World, cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    survey.create_community_record(
        cili_clerk, record.round, world.village, village_answers()
    )  # resolves ST04

    page = _page(_client(cili_auditor), _findings_url(2025, world.cili))

    assert "慈利县 2025年度审核发现" in page
    assert "ID09" in page
    assert "证号不在本年度底册中" in page  # the rule's title
    counts = {
        (f.rule_id, f.status)
        for f in Finding.objects.filter(person_record=record)
        if f.rule_id in FRESH_RULES
    }
    assert counts == {("ID09", "open"), ("ST04", "resolved")}
    # Each count links to the list filtered by rule and status.
    assert "?rule=ID09&amp;status=open" in page
    assert "?rule=ST04&amp;status=resolved" in page
    assert "王建国" in page


def test_the_list_is_filtered_by_status_severity_rule_and_sub_region(
    world: World,
    cili_clerk: User,
    cili_auditor: User,
    round: Round,
    second_village: Region,
) -> None:
    enter(cili_clerk, store_person(world.village, 1, name="王建国"), round)
    there = enter(cili_clerk, store_person(second_village, 2, name="李秀英"), round)
    survey.create_community_record(cili_clerk, round, world.village, village_answers())
    client = _client(cili_auditor)

    by_status = _page(client, _findings_url(2025, world.cili, status="resolved"))
    by_area = _page(client, _findings_url(2025, world.lingyang, area=there.region_code))
    by_rule = _page(client, _findings_url(2025, world.cili, rule="ST04", status="open"))
    by_severity = _page(client, _findings_url(2025, world.cili, severity="query"))

    assert "王建国" in by_status
    assert "李秀英" not in by_status
    assert "李秀英" in by_area
    assert "王建国" not in by_area
    assert 'value="430821100202" selected' in by_area
    assert "李秀英" in _list(by_rule)
    assert "王建国" not in _list(by_rule)
    assert "没有符合筛选条件的审核发现" in by_severity


def _list(page: str) -> str:
    """The list part of the page (after the counts table)."""
    return page.split("审核发现名单", 1)[-1]


def test_the_list_pages_through_every_finding(
    world: World, cili_auditor: User, record: PersonRecord
) -> None:
    _stored_findings(record, 60)
    client = _client(cili_auditor)

    first = _page(client, _findings_url(2025, world.cili, status="open"))
    second = _page(client, _findings_url(2025, world.cili, status="open", page="2"))

    total = 60 + 1  # and ID09; ST04 is open too
    total += Finding.objects.filter(person_record=record, rule_id="ST04").count()
    assert f"第 1 / 2 页，共 {total} 条" in first
    assert "status=open&amp;page=2" in first
    assert "Z000" in _list(first)
    assert "Z059" not in _list(first)
    assert "Z059" in _list(second)


def test_the_page_takes_a_fixed_number_of_queries(
    world: World,
    cili_clerk: User,
    cili_auditor: User,
    round: Round,
    second_village: Region,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    few = enter(cili_clerk, store_person(world.village, 1), round)
    client = _client(cili_auditor)
    client.get(_findings_url(2025, world.cili))  # warm the rule-set caches

    # Session, user, roles, agreement, round, region, children, counts,
    # page count, rows, two access-log rows, last run, the header's region,
    # the session save (three statements).
    with django_assert_max_num_queries(17):
        client.get(_findings_url(2025, world.cili))

    records = [few] + [
        enter(cili_clerk, store_person(v, n), round)
        for n, v in enumerate([world.village, second_village] * 3, 2)
    ]
    for n, each in enumerate(records):
        _stored_findings(each, 8, start=10 * n)
    with django_assert_max_num_queries(17):
        page = _page(client, _findings_url(2025, world.cili))
    assert "第 1 / " in page


def test_another_county_gets_not_found(
    world: World, sangzhi_auditor: User, record: PersonRecord
) -> None:
    client = _client(sangzhi_auditor)
    finding = Finding.objects.filter(person_record=record).first()
    assert finding is not None

    urls = [
        _findings_url(2025, world.cili),
        reverse("validation:export_findings", args=[2025, world.cili.code, "csv"]),
        reverse("validation:finding_detail", args=[finding.pk]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    response = client.post(reverse("validation:verify", args=[finding.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_the_list_view_is_logged_with_the_persons_shown(
    world: World, cili_auditor: User, record: PersonRecord
) -> None:
    _page(_client(cili_auditor), _findings_url(2025, world.cili))

    logs = AccessLog.objects.filter(user=cili_auditor).order_by("id")
    shown = Finding.objects.filter(person_record=record).count()
    assert [(log.action, log.record_count) for log in logs] == [
        (AccessAction.VIEW, shown),
        (AccessAction.REVEAL, shown),
    ]


def test_the_progress_page_links_to_the_findings(
    world: World, cili_auditor: User, round: Round
) -> None:
    url = reverse("survey:progress", args=[2025, world.cili.code])

    page = _page(_client(cili_auditor), url)

    assert _findings_url(2025, world.cili) in page


# --- the bulk audit ------------------------------------------------------------------


def test_an_auditor_runs_the_bulk_audit_from_the_page(
    world: World, cili_auditor: User, record: PersonRecord
) -> None:
    client = _client(cili_auditor)
    url = reverse("validation:run_audit", args=[2025, world.cili.code])

    response = client.post(url, follow=True)

    run = AuditRun.objects.get()
    assert run.started_by == cili_auditor
    assert run.records == 1
    page = response.content.decode()
    assert "批量审核完成：审核登记表1份，新发现0条" in page
    assert "上次批量审核：cili_auditor于" in page
    assert run.rule_set_version in page


def test_the_bulk_audit_is_refused_to_a_clerk_and_explained_when_it_cannot_run(
    world: World, cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    url = reverse("validation:run_audit", args=[2025, world.cili.code])
    clerk_page = _page(_client(cili_clerk), _findings_url(2025, world.cili))

    assert "运行批量审核" not in clerk_page
    assert _client(cili_clerk).post(url).status_code == 403
    assert _client(cili_auditor).get(url).status_code == 405

    Round.objects.filter(pk=record.round_id).update(rule_set_version="national-1999")
    response = _client(cili_auditor).post(url, follow=True)

    assert response.status_code == 200
    assert "批量审核没有运行" in response.content.decode()
    assert "national-1999" in response.content.decode()
    assert not AuditRun.objects.exists()


# --- exports -------------------------------------------------------------------------


def _csv_rows(response: Any) -> list[list[str]]:
    text = response.getvalue().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_holds_the_filtered_list_and_is_logged(
    world: World, cili_auditor: User, record: PersonRecord
) -> None:
    url = reverse("validation:export_findings", args=[2025, world.cili.code, "csv"])

    response = _client(cili_auditor).get(url + "?rule=ID09")

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    assert "430821_2025.csv" in disposition
    rows = _csv_rows(response)
    assert rows[0][:6] == [
        "区划代码",
        "村(社区)",
        "登记表",
        "姓名",
        "残疾人证号",
        "规则编号",
    ]
    assert len(rows) == 2
    assert rows[1][3] == "王建国"
    assert rows[1][4] == record.person.certificate_number
    assert rows[1][5] == "ID09"
    assert rows[1][9] == "待处理"
    logs = AccessLog.objects.filter(user=cili_auditor).order_by("id")
    assert [(log.action, log.record_count) for log in logs] == [
        (AccessAction.EXPORT, 1),
        (AccessAction.REVEAL, 1),
    ]


def test_the_xlsx_export_masks_numbers_for_a_collector(
    world: World, lingyang_collector: User, record: PersonRecord
) -> None:
    url = reverse(
        "validation:export_findings", args=[2025, world.lingyang.code, "xlsx"]
    )

    response = _client(lingyang_collector).get(url)

    assert response.status_code == 200
    assert "430821100_2025.xlsx" in response["Content-Disposition"]
    body = response.getvalue()
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    number = record.person.certificate_number
    assert rows[0][4] == "残疾人证号（已遮蔽）"
    shown = {row[5]: row for row in rows[1:]}
    assert set(FRESH_RULES) <= shown.keys()
    assert shown["ID09"][4] == f"{number[:4]}************{number[-4:]}"
    assert shown["ID09"][3] == "王建国"
    log = AccessLog.objects.get(user=lingyang_collector)
    assert (log.action, log.record_count) == (AccessAction.EXPORT, len(rows) - 1)
    assert "XLSX" in log.target


def test_an_unknown_export_format_is_not_found(
    world: World, cili_auditor: User, round: Round
) -> None:
    url = reverse("validation:export_findings", args=[2025, world.cili.code, "pdf"])

    assert _client(cili_auditor).get(url).status_code == 404
    assert not AccessLog.objects.exists()


# --- one finding ---------------------------------------------------------------------


def test_the_finding_page_shows_the_rule_the_record_and_its_items(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    _rename(cili_clerk, record, "王建军")
    query = _open_query(record)

    page = _page(
        _client(cili_auditor), reverse("validation:finding_detail", args=[query.pk])
    )

    assert query.rule_id in page
    assert "疑问" in page
    assert "待处理" in page
    assert reverse("survey:person_record_detail", args=[record.pk]) in page
    edit = reverse("survey:person_entry_edit", args=[record.pk])
    assert f"{edit}?focus=basic.name" in page
    assert "王建军" in page  # the value of the item the rule names
    assert 'id="verify-form"' in page
    assert AccessLog.objects.filter(action=AccessAction.VIEW).count() == 1


def test_an_auditor_verifies_a_query_through_the_form(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    _rename(cili_clerk, record, "王建军")
    query = _open_query(record)
    url = reverse("validation:verify", args=[query.pk])

    response = _client(cili_auditor).post(
        url, {"explanation": "已入户核实，证上姓名为曾用名。"}, follow=True
    )

    query.refresh_from_db()
    assert query.status == FindingStatus.VERIFIED
    assert query.verified_by == cili_auditor
    page = response.content.decode()
    assert "已核实：核实说明已保存" in page
    assert "已入户核实，证上姓名为曾用名。" in page
    assert 'id="verify-form"' not in page


def test_verification_refusals_are_shown_in_the_form(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    _rename(cili_clerk, record, "王建军")
    query = _open_query(record)
    error = Finding.objects.get(person_record=record, rule_id="ID09")
    client = _client(cili_auditor)

    too_short = client.post(
        reverse("validation:verify", args=[query.pk]), {"explanation": "好"}
    )
    on_error = client.post(
        reverse("validation:verify", args=[error.pk]), {"explanation": "已核实属实"}
    )
    empty = client.post(reverse("validation:verify", args=[query.pk]), {})

    assert too_short.status_code == 200
    assert "请写明核实情况（至少4个字）" in too_short.content.decode()
    assert on_error.status_code == 200
    assert "错误数据不能核实通过，只能更正" in on_error.content.decode()
    assert "请写明核实情况。" in empty.content.decode()
    query.refresh_from_db()
    assert query.status == FindingStatus.OPEN


def test_a_too_long_explanation_says_the_limit_in_words(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    _rename(cili_clerk, record, "王建军")
    query = _open_query(record)

    response = _client(cili_auditor).post(
        reverse("validation:verify", args=[query.pk]), {"explanation": "核" * 5000}
    )

    page = response.content.decode()
    assert "核实说明不能超过500个字，现在有5000个字，请精简后再提交。" in page
    assert "变量" not in page


def test_a_clerk_may_not_verify(cili_clerk: User, record: PersonRecord) -> None:
    _rename(cili_clerk, record, "王建军")
    query = _open_query(record)
    client = _client(cili_clerk)

    page = _page(client, reverse("validation:finding_detail", args=[query.pk]))
    response = client.post(
        reverse("validation:verify", args=[query.pk]), {"explanation": "已核实属实"}
    )

    assert 'id="verify-form"' not in page
    assert response.status_code == 403
    query.refresh_from_db()
    assert query.status == FindingStatus.OPEN


# --- beside the items ----------------------------------------------------------------


def test_the_record_page_and_the_entry_screen_show_the_findings(
    cili_clerk: User, record: PersonRecord
) -> None:
    client = _client(cili_clerk)
    finding = Finding.objects.get(person_record=record, rule_id="ID09")
    detail = _page(client, reverse("survey:person_record_detail", args=[record.pk]))
    edit_url = reverse("survey:person_entry_edit", args=[record.pk])
    entry = _page(client, edit_url + "?focus=basic.certificate_number")

    finding_url = reverse("validation:finding_detail", args=[finding.pk])
    for page in (detail, entry):
        assert finding_url in page
        assert "ID09" in page
    assert f"{edit_url}?focus=" in detail
    assert 'data-focus="basic.certificate_number"' in entry
    assert 'class="instruction finding-note"' in entry


def test_the_entry_screen_ignores_a_focus_that_names_no_item(
    cili_clerk: User, record: PersonRecord
) -> None:
    url = reverse("survey:person_entry_edit", args=[record.pk])

    page = _page(_client(cili_clerk), url + '?focus="><script>')

    assert "data-focus" not in page


# --- the cursor on the item to correct (Chromium) -----------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Debian's Chromium through Playwright; skips when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's loop runs in this thread; the test's ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_finding_link_puts_the_cursor_on_the_item(
    live_server: Any, chromium: Any, cili_clerk: User, record: PersonRecord
) -> None:
    page = chromium.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", cili_clerk.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")

    url = reverse("survey:person_entry_edit", args=[record.pk])
    page.goto(live_server.url + url + "?focus=basic.phone")

    focused = page.evaluate("document.activeElement.dataset.itemId")
    assert focused == "basic.phone"
