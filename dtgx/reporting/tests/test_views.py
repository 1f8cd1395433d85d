"""The submission pages through HTTP: the preview of what blocks preparing,
prepare, the signature form, submit, the summary tables and their export,
the dashboard, and the whole cycle with the city's acceptance."""

# ruff: noqa: F811 (the fixtures imported from test_workflow are parameters)
from __future__ import annotations

import re
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dtgx.accounts import services as account_services
from dtgx.accounts.models import AccessAction, AccessLog, AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import PASSWORD, World
from dtgx.quality.models import SpotCheck
from dtgx.reporting.models import (
    Signature,
    SignatureKind,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)
from dtgx.reporting.tests.test_workflow import (  # noqa: F401 (fixtures)
    Officials,
    clean_county,
    officials,
)
from dtgx.survey import services as survey
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.helpers import enter, store_person

SIGNERS = (
    ("deputy", SignatureKind.DEPUTY_SECRETARY_GENERAL),
    ("chairman", SignatureKind.FEDERATION_CHAIRMAN),
    ("chairman", SignatureKind.VALIDATION_REPORT),  # Hunan asks for it
)


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(round: Round, code: str, name: str = "submission", **kw: str) -> str:
    return reverse(f"reporting:{name}", kwargs={"year": round.year, "code": code, **kw})


def prepare(officials: Officials, round: Round, code: str) -> None:
    response = as_user(officials.director).post(page_url(round, code, "prepare"))
    assert response.status_code == 302, response.content.decode()


def sign_all_through_http(officials: Officials, round: Round, code: str) -> None:
    for who, kind in SIGNERS:
        client = as_user(getattr(officials, who))
        url = page_url(round, code, "sign", kind=kind.value)
        form = client.get(url)
        digest = re.search(
            r'name="digest" value="([0-9a-f]{64})"', form.content.decode()
        )
        assert digest is not None
        assert digest.group(1) in form.content.decode().split('name="digest"')[0]
        response = client.post(url, {"password": PASSWORD, "digest": digest.group(1)})
        assert response.status_code == 302, response.content.decode()


def submit(officials: Officials, round: Round, code: str) -> None:
    response = as_user(officials.director).post(page_url(round, code, "submit"))
    assert response.status_code == 302, response.content.decode()


def draw(officials: Officials, submission: Submission) -> SpotCheck:
    client = as_user(officials.city_auditor)
    response = client.post(reverse("quality:draw", args=[submission.pk]))
    assert response.status_code == 302
    spot_check = SpotCheck.objects.get(submission=submission, cycle=submission.cycle)
    assert response["Location"] == reverse("quality:spot_check", args=[spot_check.pk])
    return spot_check


def test_the_whole_cycle_goes_through_the_pages(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    cili = world.cili.code
    director = as_user(officials.director)
    page = director.get(page_url(round, cili)).content.decode()
    assert "没有阻止上报的问题" in page
    assert "准备上报</button>" in page

    prepare(officials, round, cili)
    submission = Submission.objects.get(round=round, region_code=cili)
    assert submission.status == SubmissionStatus.AWAITING_SIGNATURES
    snapshot = submission.current_snapshot
    assert snapshot is not None
    page = director.get(page_url(round, cili)).content.decode()
    assert snapshot.digest in page
    assert "待签字" in page
    assert "上报</button>" not in page

    sign_all_through_http(officials, round, cili)
    page = director.get(page_url(round, cili)).content.decode()
    assert page.count("有效</td>") == 3
    submit(officials, round, cili)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED

    # The city samples, finds a record inconsistent and returns.
    city_director = as_user(officials.city_director)
    listing = city_director.get(
        reverse("quality:acceptance_list", args=[round.year, world.zhangjiajie.code])
    )
    assert "抽样</button>" in listing.content.decode()
    spot_check = draw(officials, submission)
    auditor = as_user(officials.city_auditor)
    item = spot_check.items.first()
    assert item is not None
    auditor.post(
        reverse("quality:mark", args=[item.pk]),
        {"result": "inconsistent", "note": "R1姓名有误"},
    )
    response = city_director.post(
        reverse("quality:return_submission", args=[spot_check.pk]),
        {"reason": "抽查发现姓名录入错误，请核对全部记录"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED

    # The county sees the return on its dashboard and on its page.
    home = director.get(reverse("home")).content.decode()
    assert "抽查发现姓名录入错误" in home
    page = director.get(page_url(round, cili)).content.decode()
    assert "上一级已退回本次上报" in page

    # It fixes the record and goes round again; the city accepts.
    record = clean_county[0]
    survey.change_person_record(
        officials.clerk,
        record,
        {"footer.respondent": "王大山"},
        expected_version=record.version,
        reason="抽查退回后核对原始表",
        responsible_person="李四",
    )
    prepare(officials, round, cili)
    sign_all_through_http(officials, round, cili)
    submit(officials, round, cili)
    submission.refresh_from_db()
    spot_check = draw(officials, submission)
    for item in spot_check.items.all():
        auditor.post(reverse("quality:mark", args=[item.pk]), {"result": "consistent"})
    check_page = city_director.get(reverse("quality:spot_check", args=[spot_check.pk]))
    assert "建议验收通过" in check_page.content.decode()
    response = city_director.post(
        reverse("quality:accept", args=[spot_check.pk]), {"note": ""}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED

    page = director.get(page_url(round, cili)).content.decode()
    assert "已验收" in page
    assert page.count("<td>退回</td>") == 1
    assert page.count("<td>验收通过</td>") == 1
    # The returned cycle's signatures stay on record, no longer valid.
    assert page.count("有效</td>") == 3
    assert page.count("该轮已退回，签字仅作记录</td>") == 3
    assert SubmissionEvent.objects.filter(submission=submission).count() == 14

    # The city's own page now has nothing blocking it.
    city = city_director.get(page_url(round, world.zhangjiajie.code))
    assert "没有阻止上报的问题" in city.content.decode()


def test_the_page_previews_what_blocks_preparing_without_changing_anything(
    world: World, officials: Officials, round: Round
) -> None:
    for n in (1, 2):
        enter(officials.clerk, store_person(world.village, n), round)  # errors

    page = as_user(officials.director).get(page_url(round, world.cili.code))

    assert page.status_code == 200
    assert "错误数据未更正" in page.content.decode()
    assert not Submission.objects.exists()


def test_a_refused_prepare_shows_every_blocker_in_the_page(
    world: World, officials: Officials, round: Round
) -> None:
    enter(officials.clerk, store_person(world.village, 1), round)

    response = as_user(officials.director).post(
        page_url(round, world.cili.code, "prepare")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="refusal"' in page
    assert "错误数据未更正" in page
    assert Submission.objects.get().status == SubmissionStatus.PREPARING
    assert not SubmissionEvent.objects.exists()


def test_a_city_page_says_which_counties_are_not_accepted(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    city = as_user(officials.city_director)
    page = city.get(page_url(round, world.zhangjiajie.code)).content.decode()
    assert "慈利县的数据尚未验收（当前：未开始上报）。" in page

    response = city.post(page_url(round, world.zhangjiajie.code, "prepare"))
    assert "慈利县的数据尚未验收" in response.content.decode()


def test_a_wrong_password_shows_the_error_and_signs_nothing(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    snapshot = Submission.objects.get().current_snapshot
    assert snapshot is not None
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.DEPUTY_SECRETARY_GENERAL
    )

    response = as_user(officials.deputy).post(
        url, {"password": "wrong", "digest": snapshot.digest}
    )

    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert not Signature.objects.exists()


def test_wrong_signing_passwords_lock_the_account_like_failed_logins(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    snapshot = Submission.objects.get().current_snapshot
    assert snapshot is not None
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.DEPUTY_SECRETARY_GENERAL
    )
    deputy = as_user(officials.deputy)
    guess = "guess-Secret-99"

    answers = [
        deputy.post(url, {"password": guess, "digest": snapshot.digest})
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    login = Client().post(
        reverse("accounts:login"),
        {"username": officials.deputy.username, "password": PASSWORD},
    )

    assert [a.status_code for a in answers[:-1]] == [200] * (len(answers) - 1)
    assert "密码不正确" in answers[0].content.decode()
    assert answers[-1].status_code == 429
    assert "暂时锁定" in answers[-1].content.decode()
    assert account_services.is_locked_out(officials.deputy)
    assert login.status_code == 429, "the login form is locked too"
    assert deputy.get(url).status_code == 302, "the session was logged out"
    assert not Signature.objects.exists()
    failures = AuditEvent.objects.filter(action="account.confirm_password_failed")
    assert failures.count() == settings.AXES_FAILURE_LIMIT
    assert all(e.actor_id == officials.deputy.pk for e in failures)
    stored = [str(e.after) for e in failures]
    stored += AccessAttempt.objects.values_list("post_data", flat=True)
    assert not any(guess in text for text in stored)


def test_a_locked_account_cannot_sign_with_the_right_password(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    snapshot = Submission.objects.get().current_snapshot
    assert snapshot is not None
    chairman = as_user(officials.chairman)  # a session open before the lockout
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("accounts:login"),
            {"username": officials.chairman.username, "password": "wrong"},
        )
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.FEDERATION_CHAIRMAN
    )

    answer = chairman.post(url, {"password": PASSWORD, "digest": snapshot.digest})

    assert answer.status_code == 429
    assert not Signature.objects.exists()


def test_a_changed_digest_is_refused_in_the_form(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.FEDERATION_CHAIRMAN
    )

    response = as_user(officials.chairman).post(
        url, {"password": PASSWORD, "digest": "0" * 64}
    )

    assert "数据摘要与当前上报快照不一致" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_mangled_digest_is_explained_in_words(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    snapshot = Submission.objects.get().current_snapshot
    assert snapshot is not None
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.FEDERATION_CHAIRMAN
    )

    response = as_user(officials.chairman).post(
        url, {"password": PASSWORD, "digest": snapshot.digest + "x"}
    )

    page = response.content.decode()
    assert "数据摘要不完整或有误，请刷新页面，核对摘要后再签字。" in page
    assert "变量" not in page
    assert not Signature.objects.exists()


def test_only_the_officials_a_signature_needs_get_its_form(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    deputy_kind = SignatureKind.DEPUTY_SECRETARY_GENERAL
    url = page_url(round, world.cili.code, "sign", kind=deputy_kind)

    assert as_user(officials.chairman).get(url).status_code == 403
    assert as_user(officials.director).get(url).status_code == 403
    assert as_user(officials.city_deputy).get(url).status_code == 403
    assert as_user(officials.deputy).get(url).status_code == 200
    bad = page_url(round, world.cili.code, "sign", kind="nonsense")
    assert as_user(officials.deputy).get(bad).status_code == 404


def test_buttons_follow_the_role_and_others_are_refused(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    sangzhi = world.person("sangzhi_director", world.sangzhi, Role.OFFICE_DIRECTOR)
    url = page_url(round, world.cili.code)

    assert as_user(sangzhi).get(url).status_code == 404
    clerk_page = as_user(officials.clerk).get(url)
    assert clerk_page.status_code == 200
    assert "准备上报</button>" not in clerk_page.content.decode()
    assert as_user(officials.clerk).post(page_url(round, world.cili.code, "prepare"))
    refused = as_user(officials.deputy).post(
        page_url(round, world.cili.code, "prepare")
    )
    assert refused.status_code == 403
    township = page_url(round, world.lingyang.code)
    assert as_user(officials.director).get(township).status_code == 404


def test_voided_signatures_are_struck_through_with_the_reason(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    client = as_user(officials.deputy)
    url = page_url(
        round, world.cili.code, "sign", kind=SignatureKind.DEPUTY_SECRETARY_GENERAL
    )
    snapshot = Submission.objects.get().current_snapshot
    assert snapshot is not None
    client.post(url, {"password": PASSWORD, "digest": snapshot.digest})
    record = clean_county[0]
    survey.change_person_record(
        officials.clerk,
        record,
        {"footer.respondent": "王大山"},
        expected_version=record.version,
        reason="签字后发现问题",
        responsible_person="李四",
    )

    page = as_user(officials.director).get(page_url(round, world.cili.code))

    text = page.content.decode()
    assert '<tr class="voided">' in text
    assert "<del>cili_deputy</del>" in text
    assert "签字后登记表被修改" in text
    assert "准备上报</button>" in text


def test_the_summary_tables_page_and_its_export(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    city = as_user(officials.city_director)
    url = page_url(round, world.zhangjiajie.code, "tables")

    everything = city.get(url).content.decode()
    accepted_only = city.get(url + "?accepted=1").content.decode()

    assert 'id="summary-T01"' in everything
    assert "下级还有1个地区尚未验收：慈利县" in everything
    assert "仅含已验收地区：0个下级地区已验收" in accepted_only

    export = city.get(page_url(round, world.zhangjiajie.code, "export_tables"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in export["Content-Disposition"]
    b"".join(export.streaming_content)  # type: ignore[attr-defined]
    log = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert log.region_code == world.zhangjiajie.code
    county = as_user(officials.director).get(page_url(round, world.cili.code, "tables"))
    assert "仅含已验收地区" not in county.content.decode()
    assert as_user(officials.director).get(url).status_code == 404


def test_the_dashboard_shows_what_waits(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    home = as_user(officials.deputy).get(reverse("home")).content.decode()
    assert "待您签字" in home
    assert "政府副秘书长签字" in home
    chairman = as_user(officials.chairman).get(reverse("home")).content.decode()
    assert "残联理事长签字" in chairman
    assert "数据校验报告签字" in chairman

    sign_all_through_http(officials, round, world.cili.code)
    assert (
        "待您签字"
        not in as_user(officials.deputy).get(reverse("home")).content.decode()
    )
    submit(officials, round, world.cili.code)

    city = as_user(officials.city_director).get(reverse("home")).content.decode()
    assert "待您验收" in city
    assert "慈利县：已上报" in city
    own = as_user(officials.director).get(reverse("home")).content.decode()
    assert "2025年度：已上报（第1轮）" in own
    clerk = as_user(officials.clerk).get(reverse("home")).content.decode()
    assert "待您签字" not in clerk


def test_the_submission_page_takes_a_fixed_number_of_queries(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
    django_assert_max_num_queries: Any,
) -> None:
    prepare(officials, round, world.cili.code)
    sign_all_through_http(officials, round, world.cili.code)
    client = as_user(officials.director)
    with django_assert_max_num_queries(30):
        assert client.get(page_url(round, world.cili.code)).status_code == 200
