"""The acceptance pages through HTTP: the list of the regions below, the
sample, marking, the verdict, accepting and returning, and who may."""

# ruff: noqa: F811 (the fixtures imported from test_workflow are parameters)
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.quality import services as quality
from dtgx.quality.models import SpotCheck, SpotCheckResult
from dtgx.reporting.models import Submission, SubmissionStatus
from dtgx.reporting.tests.test_workflow import (  # noqa: F401 (fixtures)
    Officials,
    clean_county,
    officials,
    prepare_and_submit,
)
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.conftest import round  # noqa: F401 (fixture)


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def submitted(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> Submission:
    return prepare_and_submit(officials, round, world.cili.code)


@pytest.fixture
def spot_check(officials: Officials, submitted: Submission) -> SpotCheck:
    return quality.draw_sample(officials.city_auditor, submitted, seed=7)


def test_the_list_shows_the_counties_and_the_sample_button(
    world: World,
    officials: Officials,
    round: Round,
    submitted: Submission,
    django_assert_max_num_queries: Any,
) -> None:
    url = reverse("quality:acceptance_list", args=[round.year, world.zhangjiajie.code])
    client = as_user(officials.city_auditor)

    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()

    assert "慈利县" in page
    assert "桑植县" in page
    assert "已上报" in page
    assert "未开始上报" in page
    assert "抽样</button>" in page
    chairman = as_user(officials.city_chairman).get(url).content.decode()
    assert "抽样</button>" not in chairman
    assert as_user(officials.director).get(url).status_code == 404


def test_drawing_needs_the_level_above(
    officials: Officials, submitted: Submission
) -> None:
    url = reverse("quality:draw", args=[submitted.pk])

    assert as_user(officials.auditor).post(url).status_code == 403
    assert as_user(officials.city_chairman).post(url).status_code == 403
    assert as_user(officials.city_auditor).post(url).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == SubmissionStatus.REVIEWING


def test_the_spot_check_page_shows_the_sample_and_logs_the_names(
    officials: Officials, spot_check: SpotCheck, clean_county: list[PersonRecord]
) -> None:
    url = reverse("quality:spot_check", args=[spot_check.pk])

    page = as_user(officials.city_auditor).get(url).content.decode()

    assert "<code>7</code>" in page  # the seed
    assert "按村(社区)分层随机抽样" in page
    assert "随机数种子7，用同一种子重新抽样可得到同一样本" in page
    assert "random" not in page, "no generator jargon in the page"
    assert "random.Random" in spot_check.method, "stored for reproducing it"
    name = clean_county[0].basic_name
    assert name
    assert name in page
    assert page.count('class="mark-form"') == 3
    log = AccessLog.objects.get(action=AccessAction.VIEW)
    assert log.record_count == 3


def test_the_county_reads_its_spot_check_but_may_not_mark_it(
    world: World, officials: Officials, spot_check: SpotCheck
) -> None:
    url = reverse("quality:spot_check", args=[spot_check.pk])
    item = spot_check.items.first()
    assert item is not None

    page = as_user(officials.auditor).get(url)
    assert page.status_code == 200
    assert 'class="mark-form"' not in page.content.decode()
    mark = reverse("quality:mark", args=[item.pk])
    refused = as_user(officials.auditor).post(mark, {"result": "consistent"})
    assert refused.status_code == 403
    sangzhi = world.person("sangzhi_director", world.sangzhi, Role.OFFICE_DIRECTOR)
    assert as_user(sangzhi).get(url).status_code == 404
    assert as_user(sangzhi).post(mark, {"result": "consistent"}).status_code == 404


def test_an_inconsistency_needs_a_note(
    officials: Officials, spot_check: SpotCheck
) -> None:
    item = spot_check.items.first()
    assert item is not None

    response = as_user(officials.city_auditor).post(
        reverse("quality:mark", args=[item.pk]), {"result": "inconsistent"}
    )

    assert response.status_code == 200
    assert "请写明不一致之处" in response.content.decode()
    item.refresh_from_db()
    assert item.result == ""


def test_accepting_above_the_threshold_needs_a_note(
    officials: Officials, spot_check: SpotCheck, submitted: Submission
) -> None:
    auditor = as_user(officials.city_auditor)
    for n, item in enumerate(spot_check.items.all()):
        result = SpotCheckResult.INCONSISTENT if n == 0 else "consistent"
        auditor.post(
            reverse("quality:mark", args=[item.pk]),
            {"result": result, "note": "R17就业形式不符"},
        )
    director = as_user(officials.city_director)
    accept = reverse("quality:accept", args=[spot_check.pk])

    page = director.get(reverse("quality:spot_check", args=[spot_check.pk]))
    assert "建议退回" in page.content.decode()
    assert "33.3%" in page.content.decode()
    refused = director.post(accept, {"note": ""})
    assert "超过合格标准" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == SubmissionStatus.REVIEWING

    assert as_user(officials.city_auditor).post(accept, {}).status_code == 403
    director.post(accept, {"note": "原始表字迹不清，经电话核实无误"})
    submitted.refresh_from_db()
    assert submitted.status == SubmissionStatus.ACCEPTED


def test_accepting_before_every_record_is_checked_is_refused(
    officials: Officials, spot_check: SpotCheck
) -> None:
    response = as_user(officials.city_director).post(
        reverse("quality:accept", args=[spot_check.pk]), {"note": ""}
    )

    assert response.status_code == 200
    assert "未核查" in response.content.decode()


def test_returning_needs_a_reason_and_the_office_director(
    officials: Officials, spot_check: SpotCheck, submitted: Submission
) -> None:
    url = reverse("quality:return_submission", args=[spot_check.pk])

    assert (
        as_user(officials.city_auditor)
        .post(url, {"reason": "原因写明白了"})
        .status_code
        == 403
    )
    empty = as_user(officials.city_director).post(url, {"reason": "  "})
    assert "请写明退回原因" in empty.content.decode()
    short = as_user(officials.city_director).post(url, {"reason": "不对"})
    assert "至少4个字" in short.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == SubmissionStatus.REVIEWING


def _accepted(officials: Officials, spot_check: SpotCheck) -> None:
    for item in spot_check.items.all():
        quality.mark_item(officials.city_auditor, item, SpotCheckResult.CONSISTENT, "")
    quality.accept(officials.city_director, spot_check)


def _refusal(response: Any) -> str:
    page = str(response.content.decode())
    start = page.find('id="refusal"')
    assert start != -1, "the refusal is shown on the page"
    return page[start : page.find("</div>", start)]


@pytest.mark.parametrize(
    ("action", "data", "words"),
    [
        ("return_submission", {"reason": "再次退回测试原因"}, "不能再退回"),
        ("accept", {"note": ""}, "本次抽查已验收，不能再验收"),
        ("mark", {"result": "zzz", "note": "y"}, "不能再修改核查结果"),
        (
            "mark",
            {"result": "inconsistent", "note": "不符"},
            "本次抽查已验收，不能再修改核查结果",
        ),
    ],
)
def test_a_finished_spot_check_says_why_it_refuses_an_action(
    officials: Officials,
    spot_check: SpotCheck,
    submitted: Submission,
    action: str,
    data: dict[str, str],
    words: str,
) -> None:
    _accepted(officials, spot_check)
    item = spot_check.items.first()
    assert item is not None
    pk = item.pk if action == "mark" else spot_check.pk

    response = as_user(officials.city_director).post(
        reverse(f"quality:{action}", args=[pk]), data
    )

    assert response.status_code == 409
    assert words in _refusal(response)
    submitted.refresh_from_db()
    assert submitted.status == SubmissionStatus.ACCEPTED
    item.refresh_from_db()
    assert item.result == SpotCheckResult.CONSISTENT


def test_a_mark_with_an_unknown_result_says_what_to_choose(
    officials: Officials, spot_check: SpotCheck
) -> None:
    item = spot_check.items.first()
    assert item is not None

    response = as_user(officials.city_auditor).post(
        reverse("quality:mark", args=[item.pk]), {"result": "zzz"}
    )

    assert "核查结果只能是“一致”或“不一致”" in response.content.decode()


def test_a_too_long_return_reason_says_the_limit_in_words(
    officials: Officials, spot_check: SpotCheck
) -> None:
    response = as_user(officials.city_director).post(
        reverse("quality:return_submission", args=[spot_check.pk]),
        {"reason": "查" * 600},
    )

    page = response.content.decode()
    assert "退回原因不能超过500个字，现在有600个字，请精简后再提交。" in page
    assert "变量" not in page
