"""A second factor on signatures where the province asks for it
(``signature_second_factor: totp`` in ``provinces.yaml``): the signer also
types a current, unused code of the authenticator app they bound.

The shipped settings ask it of no province; ``totp_hunan`` configures Hunan
(the test world's province) to ask it."""

# ruff: noqa: F811 (the fixtures imported from test_workflow are parameters)
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dtgx.accounts.tests.test_authenticator import bind
from dtgx.conftest import PASSWORD, World
from dtgx.reporting import policy, services
from dtgx.reporting.models import Signature, SignatureKind, Submission
from dtgx.reporting.tests.test_views import as_user, page_url, prepare
from dtgx.reporting.tests.test_workflow import (  # noqa: F401 (fixtures)
    Officials,
    clean_county,
    officials,
)
from dtgx.survey.models import PersonRecord, Round

DEPUTY = SignatureKind.DEPUTY_SECRETARY_GENERAL
CHAIRMAN = SignatureKind.FEDERATION_CHAIRMAN
REPORT = SignatureKind.VALIDATION_REPORT
STEP = timedelta(seconds=30)


@pytest.fixture
def totp_hunan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped settings with Hunan asking for the authenticator code."""
    data = yaml.safe_load(policy.POLICY_FILE.read_text(encoding="utf-8"))
    data["provinces"]["43"]["signature_second_factor"] = "totp"
    configured = tmp_path / "provinces.yaml"
    configured.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(policy, "POLICY_FILE", configured)
    policy._policies.cache_clear()
    yield
    policy._policies.cache_clear()


def awaiting(officials: Officials, round: Round, code: str) -> Submission:
    services.prepare_submission(officials.director, round, code)
    return Submission.objects.get(round=round, region_code=code)


def sign(
    officials: Officials, submission: Submission, kind: SignatureKind, code: str = ""
) -> Signature:
    snapshot = submission.current_snapshot
    assert snapshot is not None
    signer = officials.deputy if kind == DEPUTY else officials.chairman
    return services.sign_submission(
        signer,
        submission,
        kind,
        password=PASSWORD,
        digest=snapshot.digest,
        second_factor_code=code,
    )


# --- settings --------------------------------------------------------------


def test_no_province_asks_for_a_second_factor_as_shipped() -> None:
    assert not policy.second_factor_required("430821000000")
    assert not policy.second_factor_required("110000000000")


def test_an_unknown_second_factor_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load(policy.POLICY_FILE.read_text(encoding="utf-8"))
    data["default"]["signature_second_factor"] = "sms"
    configured = tmp_path / "provinces.yaml"
    configured.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(policy, "POLICY_FILE", configured)
    policy._policies.cache_clear()
    try:
        with pytest.raises(ValueError, match="signature_second_factor"):
            policy.policy_for("430821000000")
    finally:
        policy._policies.cache_clear()


# --- the sign service ------------------------------------------------------


def test_without_the_setting_the_password_is_enough(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = awaiting(officials, round, world.cili.code)

    assert sign(officials, submission, DEPUTY).signer == officials.deputy


def test_with_the_setting_a_current_code_signs(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = awaiting(officials, round, world.cili.code)
    assert policy.second_factor_required(world.cili.code)
    app = bind(officials.deputy)

    with pytest.raises(ValidationError, match="请输入身份验证器上的6位动态码"):
        sign(officials, submission, DEPUTY)
    with pytest.raises(ValidationError, match="动态码不正确或已过期"):
        sign(officials, submission, DEPUTY, "000000")
    assert not Signature.objects.exists()

    signature = sign(officials, submission, DEPUTY, app.now())
    assert signature.signer == officials.deputy


def test_a_signer_without_an_app_is_told_to_bind_one(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = awaiting(officials, round, world.cili.code)

    with pytest.raises(ValidationError, match="请先在“我的账户”中绑定") as refused:
        sign(officials, submission, DEPUTY, "123456")

    assert refused.value.code == "second_factor"
    assert not Signature.objects.exists()


def test_a_code_signs_once(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = awaiting(officials, round, world.cili.code)
    app = bind(officials.chairman)
    now = timezone.now()
    sign(officials, submission, CHAIRMAN, app.at(now))

    with pytest.raises(ValidationError, match="这个动态码已经使用过"):
        sign(officials, submission, REPORT, app.at(now))

    sign(officials, submission, REPORT, app.at(now + STEP))
    assert Signature.objects.filter(signer=officials.chairman).count() == 2


def test_a_refused_signature_leaves_the_code_unused(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    submission = awaiting(officials, round, world.cili.code)
    app = bind(officials.deputy)
    code = app.now()

    with pytest.raises(ValidationError, match="数据摘要"):
        services.sign_submission(
            officials.deputy, submission, DEPUTY, password=PASSWORD,
            digest="0" * 64, second_factor_code=code,
        )  # fmt: skip

    assert sign(officials, submission, DEPUTY, code)


# --- the sign page ---------------------------------------------------------


def test_the_sign_page_has_no_code_field_where_not_required(
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    url = page_url(round, world.cili.code, "sign", kind=DEPUTY.value)

    page = as_user(officials.deputy).get(url).content.decode()

    assert 'name="second_factor_code"' not in page
    assert "身份验证器" not in page


def test_the_sign_page_asks_an_unbound_signer_to_bind_first(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    url = page_url(round, world.cili.code, "sign", kind=DEPUTY.value)

    page = as_user(officials.deputy).get(url).content.decode()

    assert 'name="second_factor_code"' in page
    assert "您尚未绑定身份验证器" in page
    assert reverse("accounts:authenticator") in page


def test_the_sign_page_signs_with_password_and_code(
    totp_hunan: None,
    world: World,
    officials: Officials,
    round: Round,
    clean_county: list[PersonRecord],
) -> None:
    prepare(officials, round, world.cili.code)
    app = bind(officials.deputy)
    url = page_url(round, world.cili.code, "sign", kind=DEPUTY.value)
    client = as_user(officials.deputy)
    form = client.get(url).content.decode()
    assert 'name="second_factor_code"' in form
    assert "您尚未绑定身份验证器" not in form
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', form)
    assert found is not None
    answer = {"password": PASSWORD, "digest": found.group(1)}

    missing = client.post(url, answer).content.decode()
    wrong = client.post(url, {**answer, "second_factor_code": "000000"})
    assert "请输入身份验证器上的6位动态码" in missing
    assert "动态码不正确或已过期" in wrong.content.decode()
    assert not Signature.objects.exists()

    signed = client.post(url, {**answer, "second_factor_code": app.now()})
    assert signed.status_code == 302, signed.content.decode()
    assert Signature.objects.get().signer == officials.deputy
    replayed = client.post(url, {**answer, "second_factor_code": app.now()})
    assert replayed.status_code == 403  # already signed: no longer offered
