"""Forms of the acceptance pages: marking a sampled record, accepting and
returning. The services check the content (a note for an inconsistency,
a reason for a return); the forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dtgx.quality.models import NOTE_MAX_LENGTH, SpotCheckResult
from dtgx.reporting.models import REASON_MAX_LENGTH


class MarkForm(forms.Form):
    result = forms.ChoiceField(
        label=_("核查结果"),
        choices=SpotCheckResult.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择“一致”或“不一致”。"),
            "invalid_choice": _("核查结果只能是“一致”或“不一致”，请重新选择。"),
        },
    )
    note = forms.CharField(
        label=_("核查说明"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "核查说明不能超过%(limit_value)d个字，现在有%(show_value)d个字，"
                "请精简后再保存。"
            )
        },
    )


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("验收意见"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        error_messages={
            "max_length": _(
                "验收意见不能超过%(limit_value)d个字，现在有%(show_value)d个字，"
                "请精简后再提交。"
            )
        },
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={
            "required": _("请写明退回原因，说明需要核查和更正的问题。"),
            "max_length": _(
                "退回原因不能超过%(limit_value)d个字，现在有%(show_value)d个字，"
                "请精简后再提交。"
            ),
        },
    )
