from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dtgx.accounts.models import User
from dtgx.regions.models import Region
from dtgx.registry.access import loadable_regions
from dtgx.registry.uploads import ALLOWED_SUFFIXES, suffix_of


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或证件号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、身份证号或残疾人证号")}),
        error_messages={
            "max_length": _(
                "查询内容不能超过%(limit_value)d个字，现在有%(show_value)d个字，"
                "请只输入姓名、身份证号或残疾人证号。"
            )
        },
    )


class BaseListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("底册文件"),
        help_text=_(
            "CSV（UTF-8或GBK编码）或XLSX文件，表头含残疾人证号、姓名、"
            "居住地区划代码、状态，可选户口性质。"
        ),
    )
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=_("区划")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    reference_date = forms.DateField(
        label=_("统计时点"),
        help_text=_("通常为当年6月30日。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        year = timezone.localdate().year
        kwargs.setdefault(
            "initial",
            {
                "region": user.region_id,
                "year": year,
                "reference_date": date(year, 6, 30),
            },
        )
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = loadable_regions(user)

    def clean_file(self) -> UploadedFile:
        file: UploadedFile = self.cleaned_data["file"]
        if suffix_of(file.name or "") not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _("只能载入CSV或XLSX文件，请另存为这两种格式之一。")
            )
        return file
