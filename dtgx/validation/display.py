"""Findings as pages and files show them: the rule, its title and kind, and
its message rendered for the record's form.

The rules come from the files of the round's rule set (parsed once per
process), so looking them up costs no query. A finding whose rule is no
longer in the set (a rule set replaced mid-round) still shows, with its
rule id and without title or message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dtgx.questionnaires.definitions import Questionnaire
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.validation.models import Finding
from dtgx.validation.rules import Rule, RuleKind, RuleSet, render_message
from dtgx.validation.services import rule_set_for

KIND_LABELS: dict[RuleKind, Promise] = {
    RuleKind.IDENTITY: _("身份与证件"),
    RuleKind.STATUS: _("人员状态与调查方式"),
    RuleKind.GATED: _("按年龄和条件填报的项目"),
    RuleKind.CONSISTENCY: _("表内逻辑一致"),
    RuleKind.CROSS_FORM: _("与社区登记表对照"),
    RuleKind.CROSS_YEAR: _("与上年度登记表对照"),
    RuleKind.CROSS_SOURCE: _("与相关部门数据比对"),
    RuleKind.COMPLETENESS: _("填报完整性"),
}


def form_of(finding: Finding) -> Questionnaire:
    """The form definition of the finding's record."""
    if finding.person_record_id is not None:
        return PersonRecord.questionnaire()
    return CommunityRecord.questionnaire()


class RuleBook:
    """The rules of one round, by province, looked up for findings. One per
    request or export; keeps each province's rule set once it is read."""

    def __init__(self, round: Round) -> None:
        self.round = round
        self._sets: dict[str, RuleSet | None] = {}

    def rule_set(self, region_code: str) -> RuleSet | None:
        """The rule set that audits records of ``region_code``; ``None``
        when the round names a set that does not exist."""
        province = region_code[:2]
        if province not in self._sets:
            try:
                found: RuleSet | None = rule_set_for(self.round, region_code)
            except ValidationError:
                found = None
            self._sets[province] = found
        return self._sets[province]

    def rule(self, rule_id: str, region_code: str) -> Rule | None:
        rule_set = self.rule_set(region_code)
        if rule_set is None:
            return None
        try:
            return rule_set.rule(rule_id)
        except KeyError:
            return None

    def title(self, rule_id: str, region_code: str) -> str:
        rule = self.rule(rule_id, region_code)
        return rule.title if rule else ""

    def message(self, finding: Finding) -> str:
        """The rule's message for the finding's form: how to fix the
        record. The title when the message cannot be rendered."""
        rule_set = self.rule_set(finding.region_code)
        rule = self.rule(finding.rule_id, finding.region_code)
        if rule_set is None or rule is None:
            return ""
        try:
            return render_message(rule_set, rule, form_of(finding))
        except (KeyError, ValueError, TypeError):
            return rule.title

    def shown(self, finding: Finding) -> ShownFinding:
        rule = self.rule(finding.rule_id, finding.region_code)
        return ShownFinding(finding, rule, self.message(finding))


@dataclass(frozen=True)
class ShownFinding:
    """A finding with its rule (``None`` if the set no longer has it) and
    its rendered message."""

    finding: Finding
    rule: Rule | None
    message: str

    @property
    def title(self) -> str:
        return self.rule.title if self.rule else ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.rule.kind, "")) if self.rule else ""

    @property
    def items(self) -> tuple[str, ...]:
        return self.rule.items if self.rule else ()

    @property
    def first_item(self) -> str:
        """The item the entry screen starts on for this finding."""
        form = form_of(self.finding)
        return next((i for i in self.items if i in form.item_ids), "")
