"""Identity numbers (公民身份号码) and disability certificate numbers (残疾人证号).

A plain domain package: no models, no database, no Django app. Every
``check_*`` function takes whatever was typed or imported and returns a frozen
result with ``ok``, the normalised ``value``, ``errors`` and ``warnings``
(:class:`Problem`: a stable ``code`` and a Chinese message saying what to
fix) and the values derived from the number. None of them raises.

Typical use::

    result = check_id_number(row["身份证号"], reference_date=rnd.reference_date)
    if result.normalised_from is not None:
        ...  # record in the audit trail that the value was normalised
    if not result.ok:
        ...  # show result.errors; result.warnings never block
"""

from dtgx.identity.certificates import (
    Category,
    CertificateCheck,
    Grade,
    check_certificate_holder,
    check_certificate_number,
)
from dtgx.identity.checksum import check_character
from dtgx.identity.excel import looks_like_excel_number
from dtgx.identity.id_numbers import (
    IdCheck,
    IdKind,
    Sex,
    age_on,
    check_id_number,
    legacy_alias,
    mask_id_number,
    upgrade_legacy,
)
from dtgx.identity.normalize import normalize_identifier, normalize_name
from dtgx.identity.problems import Problem, ProblemCode

__all__ = [
    "Category",
    "CertificateCheck",
    "Grade",
    "IdCheck",
    "IdKind",
    "Problem",
    "ProblemCode",
    "Sex",
    "age_on",
    "check_certificate_holder",
    "check_certificate_number",
    "check_character",
    "check_id_number",
    "legacy_alias",
    "looks_like_excel_number",
    "mask_id_number",
    "normalize_identifier",
    "normalize_name",
    "upgrade_legacy",
]
