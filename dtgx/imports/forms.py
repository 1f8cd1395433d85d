from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dtgx.survey.models import NAME_MAX_LENGTH, REASON_MAX_LENGTH


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件（XLSX或CSV）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    reason = forms.CharField(
        label=_("更正原因（只在需要更正已录入的登记表时填写）"),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )
    responsible_person = forms.CharField(
        label=_("责任人"), max_length=NAME_MAX_LENGTH, required=False
    )
