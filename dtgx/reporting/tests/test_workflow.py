"""The submission workflow: prepare → two signatures → submit → spot check
→ return → fix → resubmit → accept, then the city; every refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import PASSWORD, World
from dtgx.quality import services as quality
from dtgx.quality.models import SpotCheck
from dtgx.reporting import services
from dtgx.reporting.models import (
    SignatureKind,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)
from dtgx.survey import services as survey
from dtgx.survey.models import PersonRecord, RegionLock, Round
from dtgx.survey.services import RegionLocked
from dtgx.survey.tests.helpers import (
    enter,
    load_base_list,
    store_person,
    village_answers,
)
from dtgx.validation.models import Finding


@dataclass
class Officials:
    clerk: User
    director: User
    deputy: User
    chairman: User
    auditor: User
    city_auditor: User
    city_director: User
    city_deputy: User
    city_chairman: User
    province_director: User


@pytest.fixture
def officials(world: World) -> Officials:
    person = world.person
    return Officials(
        clerk=person("cili_clerk", world.cili, Role.ENTRY_CLERK),
        director=person("cili_director", world.cili, Role.OFFICE_DIRECTOR),
        deputy=person("cili_deputy", world.cili, Role.DEPUTY_SECRETARY_GENERAL),
        chairman=person("cili_chairman", world.cili, Role.FEDERATION_CHAIRMAN),
        auditor=person("cili_auditor", world.cili, Role.AUDITOR),
        city_auditor=person("zjj_auditor", world.zhangjiajie, Role.AUDITOR),
        city_director=person("zjj_director", world.zhangjiajie, Role.OFFICE_DIRECTOR),
        city_deputy=person(
            "zjj_deputy", world.zhangjiajie, Role.DEPUTY_SECRETARY_GENERAL
        ),
        city_chairman=person(
            "zjj_chairman", world.zhangjiajie, Role.FEDERATION_CHAIRMAN
        ),
        province_director=person("hn_director", world.hunan, Role.OFFICE_DIRECTOR),
    )


@pytest.fixture
def clean_county(
    world: World, officials: Officials, round: Round
) -> list[PersonRecord]:
    """Cili with three holders on the base list, their records and the
    village's community form: no findings left."""
    persons = [store_person(world.village, n) for n in range(1, 4)]
    load_base_list(world.cili, officials.clerk, persons)
    survey.create_community_record(
        officials.clerk, round, world.village, village_answers()
    )
    records = [enter(officials.clerk, p, round) for p in persons]
    assert not Finding.objects.filter(status="open").exists()
    return records


def sign_all(officials: Officials, submission: Submission) -> None:
    snapshot = submission.current_snapshot
    assert snapshot is not None
    for user, kind in (
        (officials.deputy, SignatureKind.DEPUTY_SECRETARY_GENERAL),
        (officials.chairman, SignatureKind.FEDERATION_CHAIRMAN),
        (officials.chairman, SignatureKind.VALIDATION_REPORT),  # Hunan asks it
    ):
        services.sign_submission(
            user, submission, kind, password=PASSWORD, digest=snapshot.digest
        )


def prepare_and_submit(officials: Officials, round: Round, code: str) -> Submission:
    services.prepare_submission(officials.director, round, code)
    submission = Submission.objects.get(round=round, region_code=code)
    sign_all(officials, submission)
    services.submit_submission(officials.director, submission)
    return submission


def test_a_county_goes_through_the_whole_cycle_and_the_city_submits(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    cili = world.cili.code
    submission = prepare_and_submit(officials, round, cili)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert RegionLock.objects.filter(round=round, region_code=cili).exists()

    # The city draws its sample, finds a record inconsistent and returns.
    spot_check = quality.draw_sample(officials.city_auditor, submission, seed=42)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.REVIEWING
    assert spot_check.items.count() == 3  # minimum 20, only three records
    item = spot_check.items.first()
    assert item is not None
    quality.mark_item(officials.city_auditor, item, "inconsistent", "R1姓名有误")
    assert not quality.verdict(spot_check).suggests_acceptance
    quality.return_for_correction(
        officials.city_director, submission, "抽查发现姓名录入错误，请核对全部记录"
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    assert submission.return_reason.startswith("抽查发现")
    assert not RegionLock.objects.filter(round=round, region_code=cili).exists()

    # The county fixes a record and submits again; the city accepts.
    record = clean_county[0]
    survey.change_person_record(
        officials.clerk,
        record,
        {"footer.respondent": "王大山"},
        expected_version=record.version,
        reason="抽查退回后核对原始表",
        responsible_person="李四",
    )
    submission = prepare_and_submit(officials, round, cili)
    assert submission.cycle == 2
    spot_check = quality.draw_sample(officials.city_auditor, submission, seed=43)
    for item in spot_check.items.all():
        quality.mark_item(officials.city_auditor, item, "consistent", "")
    assert quality.verdict(spot_check).suggests_acceptance
    quality.accept(officials.city_director, spot_check)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert SpotCheck.objects.filter(submission=submission).count() == 2
    with pytest.raises(RegionLocked, match="已锁定（已验收）"):
        survey.check_region_unlocked(round, world.village.code)

    actions = list(submission.events.values_list("action", flat=True))
    assert actions == [
        "prepare", "sign", "sign", "sign", "submit", "review", "return",
        "prepare", "sign", "sign", "sign", "submit", "review", "accept",
    ]  # fmt: skip

    # The city: its only county with data is accepted.
    city = world.zhangjiajie.code
    snapshot = services.prepare_submission(officials.city_director, round, city)
    city_submission = Submission.objects.get(round=round, region_code=city)
    for user, kind in (
        (officials.city_deputy, SignatureKind.DEPUTY_SECRETARY_GENERAL),
        (officials.city_chairman, SignatureKind.FEDERATION_CHAIRMAN),
        (officials.city_chairman, SignatureKind.VALIDATION_REPORT),
    ):
        services.sign_submission(
            user, city_submission, kind, password=PASSWORD, digest=snapshot.digest
        )
    services.submit_submission(officials.city_director, city_submission)
    city_submission.refresh_from_db()
    assert city_submission.status == SubmissionStatus.SUBMITTED
    assert snapshot.person_records == 3


def test_preparing_is_refused_while_findings_are_open_listing_them(
    world: World, officials: Officials, round: Round
) -> None:
    persons = [store_person(world.village, n) for n in range(1, 3)]
    for person in persons:
        enter(officials.clerk, person, round)  # not on a base list: errors

    with pytest.raises(services.SubmissionRefused) as refused:
        services.prepare_submission(officials.director, round, world.cili.code)
    assert any("错误数据未更正" in message for message in refused.value.messages)
    assert Submission.objects.get().status == SubmissionStatus.PREPARING
    assert not SubmissionEvent.objects.exists()


def test_a_city_cannot_prepare_before_its_counties_are_accepted(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    with pytest.raises(services.SubmissionRefused) as refused:
        services.prepare_submission(
            officials.city_director, round, world.zhangjiajie.code
        )
    assert refused.value.messages == ["慈利县的数据尚未验收（当前：未开始上报）。"]


def test_a_change_after_signing_voids_the_signatures(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    snapshot = services.prepare_submission(officials.director, round, world.cili.code)
    submission = Submission.objects.get()
    services.sign_submission(
        officials.deputy,
        submission,
        SignatureKind.DEPUTY_SECRETARY_GENERAL,
        password=PASSWORD,
        digest=snapshot.digest,
    )
    record = clean_county[0]
    survey.change_person_record(
        officials.clerk,
        record,
        {"footer.respondent": "王大山"},
        expected_version=record.version,
        reason="签字后发现问题",
        responsible_person="李四",
    )
    submission.refresh_from_db()
    snapshot.refresh_from_db()
    assert submission.status == SubmissionStatus.PREPARING
    assert snapshot.voided_at is not None
    assert snapshot.signatures.get().voided_at is not None
    with pytest.raises(ValidationError, match="当前状态是“准备中”"):
        services.sign_submission(
            officials.chairman,
            submission,
            SignatureKind.FEDERATION_CHAIRMAN,
            password=PASSWORD,
            digest=snapshot.digest,
        )


def test_signatures_need_the_right_official_password_and_digest(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    snapshot = services.prepare_submission(officials.director, round, world.cili.code)
    submission = Submission.objects.get()
    deputy = SignatureKind.DEPUTY_SECRETARY_GENERAL
    with pytest.raises(PermissionDenied):
        services.sign_submission(
            officials.chairman, submission, deputy, password=PASSWORD,
            digest=snapshot.digest,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="密码不正确"):
        services.sign_submission(
            officials.deputy, submission, deputy, password="wrong",
            digest=snapshot.digest,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="数据摘要与当前上报快照不一致"):
        services.sign_submission(
            officials.deputy, submission, deputy, password=PASSWORD, digest="0" * 64
        )
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_submission(officials.director, submission)
    assert len(refused.value.messages) == 3  # two officials and the report


def test_submitted_records_are_locked_until_returned(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare_and_submit(officials, round, world.cili.code)
    record = clean_county[0]
    with pytest.raises(RegionLocked, match="已锁定"):
        survey.change_person_record(
            officials.clerk,
            record,
            {"footer.respondent": "王大山"},
            expected_version=record.version,
            reason="上报后修改",
            responsible_person="李四",
        )


def test_only_the_level_above_reviews_and_accepting_needs_a_complete_check(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = prepare_and_submit(officials, round, world.cili.code)
    with pytest.raises(PermissionDenied):
        quality.draw_sample(officials.auditor, submission)  # own county
    spot_check = quality.draw_sample(officials.city_auditor, submission, seed=1)
    with pytest.raises(ValidationError, match="未核查"):
        quality.accept(officials.city_director, spot_check)
    with pytest.raises(PermissionDenied):
        quality.return_for_correction(officials.city_auditor, submission, "原因写明")
    with pytest.raises(ValidationError, match="请写明退回原因"):
        quality.return_for_correction(officials.city_director, submission, "不")


def test_the_sample_is_reproducible_and_stratified_by_village() -> None:
    from decimal import Decimal

    records = [
        (n, f"4308211002{v:02d}")
        for v in range(1, 6)
        for n in range(v * 100, v * 100 + 40)
    ]
    first = quality.stratified_sample(records, Decimal("0.05"), 20, seed=7)
    again = quality.stratified_sample(records, Decimal("0.05"), 20, seed=7)
    other = quality.stratified_sample(records, Decimal("0.05"), 20, seed=8)
    assert first == again != other
    assert len(first) == 20  # 5 villages × 2, topped up to the minimum
    villages = {code for _pk, code in first}
    assert len(villages) == 5


def test_the_validation_report_lists_findings_and_villages_without_forms(
    world: World, officials: Officials, round: Round
) -> None:
    from dtgx.reporting.report import build_validation_report

    persons = [store_person(world.village, n) for n in range(1, 3)]
    load_base_list(world.cili, officials.clerk, persons)
    enter(officials.clerk, persons[0], round)
    report = build_validation_report(round, world.cili.code)
    assert report["base_list"] == 2
    assert report["updated"] == 1
    assert report["update_rate"] == "50.0"
    assert report["visit_rate"] == "100.0"
    assert report["villages_without_community_form"] == [
        {"code": world.village.code, "name": "示例村"}
    ]
    assert [(f["rule_id"], f["open"]) for f in report["findings"]] == [("ST04", 1)]
    assert report["records_with_open_findings"] == 1
