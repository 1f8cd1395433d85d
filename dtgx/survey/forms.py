from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RecordSearchForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或证件号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、身份证号或残疾人证号")}),
    )
