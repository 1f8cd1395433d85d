"""Forms of the findings pages: the list's filters and the verify form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dtgx.regions.codes import prefix_of
from dtgx.regions.models import Region
from dtgx.validation.models import (
    EXPLANATION_MAX_LENGTH,
    RULE_ID_MAX_LENGTH,
    Finding,
    FindingStatus,
    SeverityChoice,
)

_ANY = [("", _("全部"))]


class FindingFilterForm(forms.Form):
    """Filters of a region's findings, read from the query string; a value
    that is not a choice is ignored rather than refused."""

    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_ANY + FindingStatus.choices
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), required=False, choices=_ANY + SeverityChoice.choices
    )
    rule = forms.CharField(
        label=_("规则编号"), required=False, max_length=RULE_ID_MAX_LENGTH
    )
    area = forms.ChoiceField(label=_("下级区划"), required=False)

    def __init__(self, data: Any, *, region: Region) -> None:
        super().__init__(data)
        children = region.children.order_by("code").values_list("code", "name")
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = _ANY + [(code, f"{name}（{code}）") for code, name in children]

    def value(self, name: str) -> str:
        """A cleaned filter value, ``""`` when absent or invalid."""
        self.is_valid()  # cleans every field; invalid ones stay out
        return str(self.cleaned_data.get(name) or "")

    def area_prefix(self, region: Region) -> str:
        """The code prefix the list is narrowed to."""
        area = self.value("area")
        if not area:
            return region.prefix
        return prefix_of(area)

    def apply(self, findings: QuerySet[Finding]) -> QuerySet[Finding]:
        """``findings`` narrowed by status, severity and rule (the area is
        applied by the caller, as the counts use it too)."""
        conditions = Q()
        if status := self.value("status"):
            conditions &= Q(status=status)
        if severity := self.value("severity"):
            conditions &= Q(severity=severity)
        if rule := self.value("rule").strip():
            conditions &= Q(rule_id=rule)
        return findings.filter(conditions)


class VerifyForm(forms.Form):
    explanation = forms.CharField(
        label=_("核实说明"),
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _("例如：已入户核实，本人确为独居，情况属实。"),
            }
        ),
        error_messages={
            "required": _("请写明核实情况。"),
            "max_length": _(
                "核实说明不能超过%(limit_value)d个字，现在有%(show_value)d个字，"
                "请精简后再提交。"
            ),
        },
    )
