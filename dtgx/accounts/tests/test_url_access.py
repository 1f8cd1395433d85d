"""Every URL pattern, walked as an anonymous visitor, as a user of another
county and as a user of the right county.

A URL pattern without a rule here fails ``test_every_url_has_an_access_rule``:
whoever adds a URL decides, in this table, who may open it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.imports.models import ImportBatch
from dtgx.quality import services as quality
from dtgx.quality.models import SpotCheck
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.registry.tests.helpers import store_person
from dtgx.reporting.models import Submission, SubmissionStatus
from dtgx.survey.models import CommunityRecord, PersonRecord
from dtgx.survey.tests import helpers as survey_helpers
from dtgx.validation.models import Finding


@dataclass
class Scene:
    world: World
    cili_clerk: User
    sangzhi_clerk: User
    cili_admin: User
    sangzhi_admin: User
    cili_director: User
    sangzhi_director: User
    lingyang_collector: User


@dataclass(frozen=True)
class Rule:
    right: Callable[[Scene], User]
    other: Callable[[Scene], User]
    expect: tuple[int, int, int]  # anonymous, other county, right county
    method: str = "get"
    kwargs: Callable[[Scene], dict[str, Any]] = lambda s: {}
    data: Callable[[Scene], dict[str, Any]] = lambda s: {}
    # Text only the right county may see on the page (list pages).
    marker: Callable[[Scene], str] | None = None
    anonymous_goes_to_login: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _reason(s: Scene) -> dict[str, Any]:
    return {"reason": "测试", "active": "0"}


def _cili_person(s: Scene) -> Person:
    """A holder living in Cili county's village, stored on first use."""
    found = Person.objects.filter(region_code=s.world.village.code).first()
    return found or store_person(s.world.village, 1, name="慈利持证人")


def _survey_person_record(s: Scene) -> PersonRecord:
    """A 2025 person record in Cili county's village, stored on first use."""
    return survey_helpers.sample_person_record(s.world.village, s.cili_clerk)


def _survey_community_record(s: Scene) -> CommunityRecord:
    """A 2025 community record of Cili county's village, stored on first use."""
    return survey_helpers.sample_community_record(s.world.village, s.cili_clerk)


def _cili_error_finding(s: Scene) -> Finding:
    """An error finding of the sample person record (it is in no base list)."""
    record = _survey_person_record(s)
    found = Finding.objects.filter(person_record=record, severity="error")
    finding = found.order_by("pk").first()
    assert finding is not None
    return finding


def _import_batch(s: Scene) -> ImportBatch:
    """A checked import batch uploaded by Cili's clerk, stored on first use."""
    found = ImportBatch.objects.filter(region_code=s.world.cili.code).first()
    return found or ImportBatch.objects.create(
        round=survey_helpers.make_round(),
        kind="person",
        uploaded_by=s.cili_clerk,
        region_code=s.world.cili.code,
        file_name="慈利.xlsx",
        sha256="0" * 64,
        status="checked",
    )


def _survey_region(s: Scene, region: Region, *, record: bool = False) -> dict[str, Any]:
    """The 2025 round and ``region`` as URL arguments; with ``record`` the
    round gets a person record first."""
    year = (
        _survey_person_record(s).round if record else survey_helpers.make_round()
    ).year
    return {"year": year, "code": region.code}


def _city_director(s: Scene) -> User:
    """Zhangjiajie's office director, who accepts Cili's submissions."""
    found = User.objects.filter(username="zjj_director").first()
    return found or s.world.person(
        "zjj_director", s.world.zhangjiajie, Role.OFFICE_DIRECTOR
    )


def _cili_submitted(s: Scene) -> Submission:
    """Cili's 2025 submission, 已上报, with its sample record, stored on
    first use (the states are set directly: the workflow has its tests)."""
    round = _survey_person_record(s).round
    submission, _created = Submission.objects.get_or_create(
        round=round,
        region_code=s.world.cili.code,
        defaults={"status": SubmissionStatus.SUBMITTED, "cycle": 1},
    )
    return submission


def _cili_spot_check(s: Scene) -> SpotCheck:
    """The city's spot check of Cili's submission, drawn on first use."""
    found = SpotCheck.objects.filter(submission__region_code=s.world.cili.code)
    return found.first() or quality.draw_sample(
        _city_director(s), _cili_submitted(s), seed=1
    )


RULES: dict[str, Rule] = {
    "home": Rule(lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)),
    "set_language": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 302, 302),
        method="post",
        data=lambda s: {"language": "en", "next": "/"},
        anonymous_goes_to_login=False,
    ),
    "accounts:login": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (200, 302, 302),
        anonymous_goes_to_login=False,
    ),
    "accounts:logout": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 302, 302),
        method="post",
    ),
    "accounts:password_change": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "accounts:agreement": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "accounts:my_account": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "accounts:authenticator": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "accounts:user_list": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 200, 200),
        marker=lambda s: s.lingyang_collector.username,
    ),
    "accounts:user_create": Rule(
        lambda s: s.cili_admin, lambda s: s.sangzhi_admin, (302, 200, 200)
    ),
    "accounts:user_detail": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 404, 200),
        kwargs=lambda s: {"pk": s.lingyang_collector.pk},
    ),
    "accounts:user_set_active": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": s.lingyang_collector.pk},
        data=_reason,
    ),
    "accounts:user_reset_password": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": s.lingyang_collector.pk},
        data=lambda s: {"new_password": "Another-Pass-77"},
    ),
    "accounts:user_unlock": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": s.lingyang_collector.pk},
    ),
    "accounts:user_reset_authenticator": Rule(
        lambda s: s.cili_admin,
        lambda s: s.sangzhi_admin,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": s.lingyang_collector.pk},
        data=_reason,
    ),
    "accounts:access_log": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 200, 200),
        marker=lambda s: "查看慈利县名单",
    ),
    "regions:index": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 302, 302)
    ),
    "regions:detail": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"code": s.world.cili.code},
        marker=lambda s: s.world.lingyang.name,
    ),
    "registry:person_index": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 302, 302)
    ),
    "registry:person_list": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"code": s.world.cili.code},
        marker=lambda s: f"{s.world.cili.name}持证残疾人",
    ),
    "registry:person_detail": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _cili_person(s).pk},
        marker=lambda s: _cili_person(s).name,
    ),
    "registry:base_list_index": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "registry:base_list_upload": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "registry:base_list_confirm": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 302, 302),
        method="post",
        data=lambda s: {"token": "0" * 32},
    ),
    "survey:round_list": Rule(
        lambda s: s.cili_clerk, lambda s: s.sangzhi_clerk, (302, 200, 200)
    ),
    "survey:round_home": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 302, 302),
        kwargs=lambda s: {"year": survey_helpers.make_round().year},
    ),
    "survey:progress": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili),
        marker=lambda s: s.world.lingyang.name,
    ),
    "survey:person_record_list": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili, record=True),
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    "survey:pending_list": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili),
        marker=lambda s: f"{s.world.cili.name} 2025年度未录入名单",
    ),
    "survey:community_record_list": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.lingyang),
        marker=lambda s: s.world.village.code,
    ),
    "survey:person_record_detail": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_person_record(s).pk},
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    "survey:person_record_history": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_person_record(s).pk},
    ),
    "survey:community_record_detail": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_community_record(s).pk},
        marker=lambda s: _survey_community_record(s).header_region_name or "",
    ),
    "survey:community_record_history": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_community_record(s).pk},
    ),
    "survey:person_entry_new": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {
            "year": survey_helpers.make_round().year,
            "person": _cili_person(s).pk,
        },
        marker=lambda s: _cili_person(s).name,
    ),
    "survey:person_entry_edit": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_person_record(s).pk},
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    "survey:entry_next": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.village),
        marker=lambda s: f"{s.world.village.name} 2025年度：录入下一份",
    ),
    "survey:community_entry_new": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.village),
        marker=lambda s: f"<dd>{s.world.village.name}（",
    ),
    "survey:community_entry_edit": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _survey_community_record(s).pk},
        marker=lambda s: _survey_community_record(s).header_region_name or "",
    ),
    # The blank form holds no personal data: any logged-in user may print it.
    "survey:print_form": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 200, 200),
        kwargs=lambda s: {"kind": "person", "version": "2018"},
    ),
    # Audit findings name persons: real-name pages of the region's subtree;
    # running the audit and verifying need an auditor or office director.
    "validation:findings": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili, record=True),
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    "validation:run_audit": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: _survey_region(s, s.world.cili, record=True),
    ),
    "survey:person_record_export": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {**_survey_region(s, s.world.cili, record=True), "fmt": "csv"},
    ),
    "survey:community_record_export": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {**_survey_region(s, s.world.cili), "fmt": "xlsx"},
    ),
    "imports:import_page": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 200, 200),
        kwargs=lambda s: {"year": survey_helpers.make_round().year, "kind": "person"},
    ),
    "imports:template": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 200, 200),
        kwargs=lambda s: {"year": survey_helpers.make_round().year, "kind": "person"},
    ),
    "imports:batch_detail": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _import_batch(s).pk},
        marker=lambda s: "慈利.xlsx",
    ),
    "imports:batch_progress": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _import_batch(s).pk},
    ),
    "imports:batch_decide": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": _import_batch(s).pk},
        data=lambda s: {"action": "hold"},
    ),
    "imports:batch_report": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _import_batch(s).pk},
    ),
    "validation:export_findings": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        kwargs=lambda s: {
            **_survey_region(s, s.world.cili, record=True),
            "fmt": "csv",
        },
    ),
    "validation:finding_detail": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _cili_error_finding(s).pk},
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    # An error cannot be verified: the right county sees why in the form.
    "validation:verify": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        method="post",
        kwargs=lambda s: {"pk": _cili_error_finding(s).pk},
        data=lambda s: {"explanation": "已入户核实，情况属实"},
        marker=lambda s: "错误数据不能核实通过",
    ),
    # Submissions show figures, no names: any user of the region's subtree
    # sees the page; the office director prepares and submits (refusals are
    # shown in the page); a signature form is for the officials it needs.
    "reporting:submission": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili),
        marker=lambda s: "慈利县 2025年度汇总上报",
    ),
    "reporting:prepare": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        method="post",
        kwargs=lambda s: _survey_region(s, s.world.cili, record=True),
        marker=lambda s: "错误数据未更正",
    ),
    "reporting:submit": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        method="post",
        kwargs=lambda s: _survey_region(s, s.world.cili),
        marker=lambda s: "还没有准备上报",
    ),
    "reporting:sign": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 403),
        kwargs=lambda s: {
            **_survey_region(s, s.world.cili),
            "kind": "deputy_secretary_general",
        },
    ),
    "reporting:tables": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili),
        marker=lambda s: "慈利县 2025年度汇总表",
    ),
    "reporting:export_tables": Rule(
        lambda s: s.cili_clerk,
        lambda s: s.sangzhi_clerk,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.cili),
    ),
    # Acceptance belongs to the level above; the county reads its own spot
    # check (names only for real-name roles), another county finds nothing.
    "quality:acceptance_list": Rule(
        _city_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        kwargs=lambda s: _survey_region(s, s.world.zhangjiajie),
        marker=lambda s: "张家界市 2025年度检查验收",
    ),
    "quality:draw": Rule(
        _city_director,
        lambda s: s.sangzhi_director,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": _cili_submitted(s).pk},
    ),
    "quality:spot_check": Rule(
        lambda s: s.cili_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        kwargs=lambda s: {"pk": _cili_spot_check(s).pk},
        marker=lambda s: _survey_person_record(s).basic_name or "",
    ),
    "quality:mark": Rule(
        _city_director,
        lambda s: s.sangzhi_director,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": _cili_spot_check(s).items.get().pk},
        data=lambda s: {"result": "consistent", "note": ""},
    ),
    "quality:accept": Rule(
        _city_director,
        lambda s: s.sangzhi_director,
        (302, 404, 200),
        method="post",
        kwargs=lambda s: {"pk": _cili_spot_check(s).pk},
        marker=lambda s: "全部核查后才能验收",
    ),
    "quality:return_submission": Rule(
        _city_director,
        lambda s: s.sangzhi_director,
        (302, 404, 302),
        method="post",
        kwargs=lambda s: {"pk": _cili_spot_check(s).pk},
        data=lambda s: {"reason": "抽查发现问题，请核对"},
    ),
}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise AssertionError(f"URL pattern {entry.pattern} has no name")
            yield f"{namespace}{entry.name}"


def all_url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


@pytest.fixture
def scene(world: World) -> Scene:
    scene = Scene(
        world=world,
        cili_clerk=world.person("cili_clerk", world.cili, Role.ENTRY_CLERK),
        sangzhi_clerk=world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK),
        cili_admin=world.person("cili_admin", world.cili, Role.USER_ADMIN),
        sangzhi_admin=world.person("sangzhi_admin", world.sangzhi, Role.USER_ADMIN),
        cili_director=world.person("cili_director", world.cili, Role.OFFICE_DIRECTOR),
        sangzhi_director=world.person(
            "sangzhi_director", world.sangzhi, Role.OFFICE_DIRECTOR
        ),
        lingyang_collector=world.person(
            "lingyang_collector", world.lingyang, Role.COLLECTOR
        ),
    )
    AccessLog.objects.create(
        user=scene.cili_clerk,
        action=AccessAction.VIEW,
        region_code=world.cili.code,
        target="查看慈利县名单",
        record_count=3,
    )
    return scene


def test_every_url_has_an_access_rule() -> None:
    names = all_url_names()
    assert names - RULES.keys() == set(), "add an access rule for these URLs"
    assert RULES.keys() - names == set(), "these rules name no URL any more"


def _request(client: Client, rule: Rule, scene: Scene, name: str) -> Any:
    url = reverse(name, kwargs=rule.kwargs(scene))
    if rule.method == "post":
        return client.post(url, rule.data(scene))
    return client.get(url)


@pytest.mark.parametrize("name", sorted(RULES))
def test_it_gives_each_visitor_the_right_answer(scene: Scene, name: str) -> None:
    rule = RULES[name]
    anonymous, other, right = Client(), Client(), Client()
    other.force_login(rule.other(scene))
    right.force_login(rule.right(scene))

    answers = [_request(c, rule, scene, name) for c in (anonymous, other, right)]

    assert tuple(a.status_code for a in answers) == rule.expect
    if rule.anonymous_goes_to_login:
        assert answers[0]["Location"].startswith(reverse("accounts:login"))
    if rule.marker is not None:
        marker = rule.marker(scene)
        assert marker in answers[2].content.decode()
        assert marker not in answers[1].content.decode()
