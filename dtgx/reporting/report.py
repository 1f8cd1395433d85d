"""The data validation report (数据校验报告) of a region and round, and
the SHA-256 digest over a region's records.

The report is plain JSON-ready data (it is frozen into a snapshot and
signed): the process figures, the findings by rule and severity with how
they were dealt with, the villages without a community form and the
records still holding open findings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q

from dtgx.regions.codes import Level, prefix_of
from dtgx.regions.models import Region
from dtgx.registry.models import BaseListEntry
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordStatus,
    Round,
    SurveyMethod,
)
from dtgx.validation.models import Finding, FindingStatus
from dtgx.validation.services import rule_set_for

DIGEST_BATCH = 2000


def build_validation_report(round: Round, region_code: str) -> dict[str, Any]:
    """The report's figures for the subtree of ``region_code``."""
    prefix = prefix_of(region_code)
    records = PersonRecord.objects.filter(round=round, region_code__startswith=prefix)
    saved = records.filter(status=RecordStatus.SAVED)
    base_list = BaseListEntry.objects.filter(
        year=round.year, village__code__startswith=prefix
    ).count()
    updated = saved.count()
    visits = saved.filter(survey_method=SurveyMethod.VISIT).count()
    findings = Finding.objects.filter(round=round, region_code__startswith=prefix)
    return {
        "region_code": region_code,
        "year": round.year,
        "base_list": base_list,
        "updated": updated,
        "drafts": records.filter(status=RecordStatus.DRAFT).count(),
        "update_rate": _rate(updated, base_list),
        "visit_rate": _rate(visits, updated),
        "findings": _findings_by_rule(round, region_code, findings),
        "records_with_open_findings": findings.filter(status=FindingStatus.OPEN)
        .values("person_record", "community_record")
        .distinct()
        .count(),
        "villages_without_community_form": _villages_without_form(round, prefix),
    }


def _rate(part: int, whole: int) -> str | None:
    """A percentage with one decimal, as text (JSON keeps it exact)."""
    if not whole:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _findings_by_rule(
    round: Round, region_code: str, findings: Any
) -> list[dict[str, Any]]:
    rule_set = rule_set_for(round, region_code)
    rows = (
        findings.values("rule_id", "severity")
        .annotate(
            open=Count("id", filter=Q(status=FindingStatus.OPEN)),
            verified=Count("id", filter=Q(status=FindingStatus.VERIFIED)),
            resolved=Count("id", filter=Q(status=FindingStatus.RESOLVED)),
        )
        .order_by("rule_id")
    )
    result = []
    for row in rows:
        try:
            title = rule_set.rule(row["rule_id"]).title
        except KeyError:
            title = ""
        result.append({**row, "title": title})
    return result


def _villages_without_form(round: Round, prefix: str) -> list[dict[str, str]]:
    """Villages of the subtree in use in the round's year that hold
    holders on the base list or records but no saved community form."""
    with_form = CommunityRecord.objects.filter(
        round=round, status=RecordStatus.SAVED, region_code__startswith=prefix
    ).values("village")
    in_use = Q(valid_to__isnull=True) | Q(valid_to__gte=round.year)
    villages = (
        Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE)
        .filter(in_use)
        .exclude(code__in=with_form)
        .filter(
            Q(code__in=BaseListEntry.objects.filter(year=round.year).values("village"))
            | Q(code__in=PersonRecord.objects.filter(round=round).values("village"))
        )
        .order_by("code")
        .values_list("code", "name")
    )
    return [{"code": code, "name": name} for code, name in villages]


# --- Digest -----------------------------------------------------------------------


def records_digest(round: Round, region_code: str) -> tuple[str, int, int]:
    """SHA-256 over every stored column of every person and community
    record of the subtree (drafts included), in id order; with the two
    record counts. Any change to any record changes it."""
    prefix = prefix_of(region_code)
    digest = hashlib.sha256()
    counts = []
    for tag, model in (("P", PersonRecord), ("C", CommunityRecord)):
        columns = [field.attname for field in model._meta.concrete_fields]
        rows = (
            model.objects.filter(round=round, region_code__startswith=prefix)
            .order_by("id")
            .values_list(*columns)
        )
        counts.append(_feed(digest, tag, rows.iterator(chunk_size=DIGEST_BATCH)))
    return digest.hexdigest(), counts[0], counts[1]


def children_digest(parts: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over the (region code, digest) of the accepted submissions
    below, in code order: an upper level signs what its regions signed."""
    digest = hashlib.sha256()
    for code, child in sorted(parts):
        digest.update(f"{code}:{child}\n".encode())
    return digest.hexdigest()


def _feed(digest: Any, tag: str, rows: Iterable[tuple[object, ...]]) -> int:
    count = 0
    for row in rows:
        digest.update((tag + "\x1f".join(map(_text, row)) + "\n").encode())
        count += 1
    return count


def _text(value: object) -> str:
    return "\x00" if value is None else str(value)
