"""Options shared by the management commands.

TODO: move ``get_region_of_option`` to ``dtgx.regions`` (its natural home,
beside ``pad_code``) once that app is open for change again; the commands
of accounts, registry and validation import it from here meanwhile.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from dtgx.regions.codes import CODE_LENGTH, PREFIX_LENGTH, pad_code
from dtgx.regions.models import Region

# 2 province, 4 prefecture, 6 county, 9 township and 12 digits.
OPTION_LENGTHS = frozenset(n for n in PREFIX_LENGTH.values() if n) | {CODE_LENGTH}

REGION_HELP = "区划代码：12位，或2/4/6/9位的省、市、县、乡镇代码（如县级430821）"


def get_region_of_option(text: str) -> Region:
    """The region a ``--region`` option names: the 12-digit code, or the
    official 2-, 4-, 6- or 9-digit code of a province, prefecture, county
    or township, padded with zeros."""
    code = text.strip()
    if not (code.isascii() and code.isdigit() and len(code) in OPTION_LENGTHS):
        raise CommandError(
            _("区划代码“%(code)s”应为12位数字，或2、4、6、9位的省、市、县、乡镇代码。")
            % {"code": text}
        )
    try:
        return Region.objects.get(code=pad_code(code))
    except Region.DoesNotExist:
        raise CommandError(
            _("找不到区划代码%(code)s，请核对代码，或先导入区划代码表。")
            % {"code": text}
        ) from None
