"""Per-record evaluation: the findings a save computes for one record."""

from __future__ import annotations

import statistics
import time
from datetime import date

import pytest
from hypothesis import given, settings

from dtgx.questionnaires.definitions import FormKey, load_questionnaire
from dtgx.questionnaires.relevance import clean_answers
from dtgx.validation.evaluate import RuleResult, evaluate_record
from dtgx.validation.rules import RuleKind, Severity, load_rule_set
from dtgx.validation.tests import personas
from dtgx.validation.tests.harness import COMMUNITY, sqlite_audit
from dtgx.validation.tests.strategies import row

RULE_SET = load_rule_set()


def _findings(
    values: dict[str, object],
    derived: dict[str, object] | None = None,
    **linked: dict[str, object] | None,
) -> list[RuleResult]:
    return evaluate_record(
        RULE_SET,
        values,
        personas.farmer_derived() if derived is None else derived,
        community=linked.get("community", personas.village()),
        last=linked.get("last", personas.last_year()),
    )


def _ids(findings: list[RuleResult]) -> list[str]:
    return [finding.rule_id for finding in findings]


def test_it_finds_nothing_wrong_with_the_farmer() -> None:
    assert _findings(personas.farmer()) == []


def test_it_explains_a_finding_in_chinese_naming_the_items() -> None:
    record = personas.farmer() | {"social_security.employee_insurance": [1]}

    (finding,) = _findings(record)

    assert finding.rule_id == "SK06"
    assert finding.severity is Severity.ERROR
    assert finding.items == (
        "social_security.employee_insurance",
        "social_security.resident_pension",
    )
    assert "R22“参加职工社会保险情况”" in finding.message
    assert "R23“是否参加城乡居民基本养老保险”" in finding.message
    assert "请核实后改正" in finding.message
    assert not finding.undecided


def test_it_reports_a_relevant_item_left_blank_from_the_skip_logic() -> None:
    record = personas.farmer()
    del record["employment.form"]

    findings = _findings(record)

    assert _ids(findings) == ["C-employment.form"]
    assert not findings[0].undecided  # answered() is never missing
    assert findings[0].message.startswith("R17“残疾人就业形式”按跳转规则应当回答")


def test_it_does_not_ask_for_items_the_skip_logic_skips() -> None:
    record = personas.farmer() | {"basic.lives_in_institution": 1}
    for section in ("economy.", "employment.", "culture."):
        record = {k: v for k, v in record.items() if not k.startswith(section)}

    assert _findings(record) == []


def test_it_compares_with_last_year_and_the_village_form() -> None:
    last = personas.last_year() | {"basic.hukou_type": 2, "education.level": 5}
    village = personas.village() | {"culture.activity_count": 0}
    village.pop("culture.participants")

    findings = _findings(personas.farmer(), community=village, last=last)

    assert _ids(findings) == ["XF05", "XY01", "XY03"]


def test_it_reads_a_missing_linked_record_as_missing_values() -> None:
    findings = _findings(personas.farmer(), community=None, last=None)

    assert _ids(findings) == ["ST04"]


def test_it_raises_a_query_not_an_error_for_a_plausibility_rule() -> None:
    derived = personas.farmer_derived() | {"age": 101}
    record = personas.farmer()

    findings = {f.rule_id: f for f in _findings(record, derived)}

    assert findings["ID07"].severity is Severity.QUERY


# --- FC-25: blank, white space, zero and None ---------------------------------------

CERTIFIED_ONE = {"population.certified_total": 1}


@pytest.mark.parametrize(
    ("registered", "finding", "undecided"),
    [
        ("", True, True),
        (" ", True, True),
        (None, True, True),
        (0, True, False),
        (5, False, False),
    ],
)
def test_it_reports_a_missing_count_rather_than_treating_it_as_zero(
    registered: object, finding: bool, undecided: bool
) -> None:
    village = personas.village() | CERTIFIED_ONE | {"population.registered": registered}
    village |= {"population.certified_visual": 1, "population.certified_hearing": 0}
    village |= {f"population.certified_{k}": 0 for k in _OTHER_CATEGORIES}

    found = {
        f.rule_id: f
        for f in evaluate_record(
            RULE_SET, village, {"committee_type": 2}, form=COMMUNITY
        )
    }

    assert ("CM02" in found) is finding
    assert not finding or found["CM02"].undecided is undecided


_OTHER_CATEGORIES = ("speech", "physical", "intellectual", "mental", "multiple")


@pytest.mark.parametrize("registered", [None, 0])
def test_it_treats_null_and_zero_the_same_way_in_bulk(registered: int | None) -> None:
    audit = sqlite_audit(RULE_SET)
    village = personas.village() | CERTIFIED_ONE | {"population.registered": registered}

    audit.load_example(COMMUNITY, village)

    assert (1, "CM02") in audit.bulk(COMMUNITY)
    assert (1, "CM02") in audit.per_record(COMMUNITY)


@pytest.mark.parametrize("remarks", ["", " ", "\u3000", None])
def test_it_treats_blank_text_as_missing_in_both_evaluators(remarks: object) -> None:
    audit = sqlite_audit(RULE_SET)
    record = {"header.person_status": 1, "footer.remarks": remarks}

    audit.load_example(RULE_SET.default_form(), record)

    assert (1, "ST01") in audit.bulk()
    assert (1, "ST01") in audit.per_record()


def test_it_stays_silent_on_missing_values_when_the_rule_says_so() -> None:
    derived = personas.farmer_derived() | {"registry_sex": None}

    assert "ID05" not in _ids(_findings(personas.farmer(), derived))
    assert RULE_SET.rule("ID05").on_missing == "pass"


# --- Completeness comes from the skip logic ---------------------------------------

_FORM = load_questionnaire("person", "2018")


def _pool(item_id: str) -> list[object]:
    """Answers to try for one item: missing, each code (a multi-select
    item: each option alone and two together), or a value of its type."""
    item = _FORM.item(item_id)
    codes = sorted(item.codes.codes) if item.codes else []
    if item.type == "multi":
        return [None, *([c] for c in codes), codes[:2]]
    if item.type == "code":
        return [None, *codes]
    if item.type == "date":
        return [None, date(2018, 7, 15)]
    return [None, "王建国", "1" * 20]


ANSWERS = row({item.id: _pool(item.id) for item in _FORM.items})
DERIVED = row(
    {
        "age": [None, 2, 5, 10, 15, 16, 30, 59, 60, 80],
        "category": [None, *range(1, 8)],
        "grade": [None, *range(1, 5)],
    }
)


@settings(max_examples=120, deadline=None)
@given(answers=ANSWERS, derived=DERIVED)
def test_it_reports_exactly_the_blank_items_the_skip_logic_requires(
    answers: dict[str, object], derived: dict[str, object]
) -> None:
    cleaned = clean_answers(_FORM, answers, derived)
    stored = {k: v for k, v in cleaned.values.items() if v is not None}

    findings = evaluate_record(RULE_SET, stored, derived)
    completeness = [
        f.rule_id.removeprefix("C-")
        for f in findings
        if RULE_SET.rule(f.rule_id).kind is RuleKind.COMPLETENESS
    ]

    assert completeness == list(cleaned.missing_required)


# --- Speed ---------------------------------------------------------------------------


def test_it_audits_one_record_in_well_under_five_milliseconds() -> None:
    record, derived = personas.farmer(), personas.farmer_derived()
    village, last = personas.village(), personas.last_year()
    evaluate_record(RULE_SET, record, derived, community=village, last=last)

    times = []
    for _ in range(200):
        started = time.perf_counter()
        evaluate_record(RULE_SET, record, derived, community=village, last=last)
        times.append(time.perf_counter() - started)

    assert statistics.median(times) < 0.005


def test_it_audits_a_community_record_with_the_community_rules() -> None:
    village = personas.village()
    derived = {"committee_type": village.pop("committee_type")}

    assert evaluate_record(RULE_SET, village, derived, form=COMMUNITY) == []
    assert RULE_SET.rules_for(FormKey("community", "2018"))
