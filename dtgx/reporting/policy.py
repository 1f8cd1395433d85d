"""Per-province settings of the submission workflow (``provinces.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dtgx.accounts.roles import Role

POLICY_FILE = Path(__file__).with_name("provinces.yaml")
# Second factors a province may ask of its signers; "none" asks only the
# password.
SECOND_FACTORS = ("none", "totp")


@dataclass(frozen=True)
class ProvincePolicy:
    validation_report_required: bool
    validation_report_signer: Role
    sample_rate: Decimal
    sample_minimum: int
    error_rate_threshold: Decimal
    signature_second_factor: str = "none"


def policy_for(region_code: str) -> ProvincePolicy:
    """The settings of the province ``region_code`` lies in."""
    return _policies().get(region_code[:2]) or _policies()["default"]


def second_factor_required(region_code: str) -> bool:
    """Whether signing a submission of this region also needs the code of
    the signer's authenticator app (TOTP), besides the password."""
    return policy_for(region_code).signature_second_factor == "totp"


@cache
def _policies() -> dict[str, ProvincePolicy]:
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    default: dict[str, Any] = data["default"]
    policies = {"default": _policy(default)}
    for code, values in (data.get("provinces") or {}).items():
        policies[str(code)] = _policy({**default, **values})
    return policies


def _policy(values: dict[str, Any]) -> ProvincePolicy:
    known = {f.name for f in fields(ProvincePolicy)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{POLICY_FILE.name}: unknown settings {sorted(unknown)}")
    return ProvincePolicy(
        validation_report_required=bool(values["validation_report_required"]),
        validation_report_signer=Role(values["validation_report_signer"]),
        sample_rate=Decimal(str(values["sample_rate"])),
        sample_minimum=int(values["sample_minimum"]),
        error_rate_threshold=Decimal(str(values["error_rate_threshold"])),
        signature_second_factor=_second_factor(values),
    )


def _second_factor(values: dict[str, Any]) -> str:
    value = str(values.get("signature_second_factor") or "none")
    if value not in SECOND_FACTORS:
        raise ValueError(
            f"{POLICY_FILE.name}: signature_second_factor must be one of "
            f"{list(SECOND_FACTORS)}, not {value!r}"
        )
    return value
