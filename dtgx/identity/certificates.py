"""残疾人证号: the 20-character disability certificate number.

The number is the holder's 18-character identity number, then the category
code (position 19) and the grade code (position 20):
``^\\d{17}[\\dX][1-7][1-4]$``. Codes follow GB/T 26341-2010.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy

from dtgx.identity import problems
from dtgx.identity.address import AddressLookup
from dtgx.identity.excel import excel_damage
from dtgx.identity.id_numbers import IdCheck, check_id_number, legacy_alias
from dtgx.identity.normalize import normalize_identifier, raw_if_changed
from dtgx.identity.problems import Problem
from dtgx.identity.shape import shape_problems

CERTIFICATE_LENGTH = 20


class Category(models.IntegerChoices):
    """残疾类别, the 19th character."""

    VISION = 1, gettext_lazy("视力残疾")
    HEARING = 2, gettext_lazy("听力残疾")
    SPEECH = 3, gettext_lazy("言语残疾")
    PHYSICAL = 4, gettext_lazy("肢体残疾")
    INTELLECTUAL = 5, gettext_lazy("智力残疾")
    MENTAL = 6, gettext_lazy("精神残疾")
    MULTIPLE = 7, gettext_lazy("多重残疾")


class Grade(models.IntegerChoices):
    """残疾等级, the 20th character; grade 1 is the most severe."""

    FIRST = 1, gettext_lazy("一级")
    SECOND = 2, gettext_lazy("二级")
    THIRD = 3, gettext_lazy("三级")
    FOURTH = 4, gettext_lazy("四级")


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    """The outcome of :func:`check_certificate_number`.

    ``value`` and ``normalised_from`` mean what they mean on
    :class:`~dtgx.identity.id_numbers.IdCheck`. ``id_check`` is the check of
    the first 18 characters (``None`` when the value is malformed), whose
    derived fields give birth date, sex and age. ``category`` and ``grade``
    are set only when ``ok``.
    """

    value: str
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    normalised_from: str | None = None
    id_check: IdCheck | None = None
    category: Category | None = None
    grade: Grade | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def id_number(self) -> str | None:
        """The holder's identity number (the first 18 characters) when ok."""
        return self.value[:18] if self.ok else None


def check_certificate_number(
    raw: object,
    *,
    id_number: object = None,
    category: object = None,
    grade: object = None,
    reference_date: date | None = None,
    known_address: AddressLookup | None = None,
) -> CertificateCheck:
    """Check a certificate number; never raises, whatever ``raw`` is.

    The first 18 characters are checked as an identity number (see
    :func:`~dtgx.identity.id_numbers.check_id_number`, whose errors and
    warnings are passed on), then the category and grade codes. When the
    number itself is valid it is compared with whichever of the holder's
    recorded ``id_number``, ``category`` and ``grade`` are given (see
    :func:`check_certificate_holder`).

    Errors: ``empty``, ``charset``, ``length`` (anything but 20 characters,
    an 18-character identity number without the codes included),
    ``excel_number``, the identity-number errors, ``category``, ``grade``,
    ``mismatch``.
    """
    value = normalize_identifier(raw)
    normalised_from = raw_if_changed(raw, value)
    shape = _certificate_shape_problems(raw, value)
    if shape:
        return CertificateCheck(value, errors=shape, normalised_from=normalised_from)

    id_check = check_id_number(
        value[:18], reference_date=reference_date, known_address=known_address
    )
    errors = (*id_check.errors, *_code_problems(value))
    if not errors:
        errors = check_certificate_holder(
            value, id_number=id_number, category=category, grade=grade
        )
    if errors:
        return CertificateCheck(
            value, errors, id_check.warnings, normalised_from, id_check=id_check
        )

    return CertificateCheck(
        value,
        warnings=id_check.warnings,
        normalised_from=normalised_from,
        id_check=id_check,
        category=Category(int(value[18])),
        grade=Grade(int(value[19])),
    )


def check_certificate_holder(
    certificate_number: object,
    *,
    id_number: object = None,
    category: object = None,
    grade: object = None,
) -> tuple[Problem, ...]:
    """``mismatch`` problems between a valid certificate number and the
    holder's recorded identity number, category and grade; never raises.

    A recorded value that is ``None`` or blank is not compared. Recorded
    values are normalised first (``4``, ``"4"`` and ``"４"`` are one
    category); a recorded 15-digit legacy identity number matches the
    certificate's 18-digit one it converts to. Each problem's ``field`` names
    the recorded field that disagrees.
    """
    value = normalize_identifier(certificate_number)
    found: list[Problem] = []

    recorded_id = normalize_identifier(id_number)
    if recorded_id and not _same_identity(value[:18], recorded_id):
        found.append(problems.id_mismatch())

    recorded_category = _recorded_code(category)
    if recorded_category and recorded_category != value[18:19]:
        certified, recorded = _labels(Category, value[18:19], recorded_category)
        found.append(problems.category_mismatch(certified, recorded))

    recorded_grade = _recorded_code(grade)
    if recorded_grade and recorded_grade != value[19:20]:
        certified, recorded = _labels(Grade, value[19:20], recorded_grade)
        found.append(problems.grade_mismatch(certified, recorded))
    return tuple(found)


def _certificate_shape_problems(raw: object, value: str) -> tuple[Problem, ...]:
    label = problems.certificate_label()
    excel = excel_damage(raw, length=CERTIFICATE_LENGTH, label=label)
    if excel is not None:
        return (excel,)
    return shape_problems(
        value,
        label=label,
        size=CERTIFICATE_LENGTH,
        x_index=17,
        rule=problems.certificate_charset_rule(),
    )


def _code_problems(value: str) -> tuple[Problem, ...]:
    found: list[Problem] = []
    if value[18] not in "1234567":
        found.append(problems.category(value[18]))
    if value[19] not in "1234":
        found.append(problems.grade(value[19]))
    return tuple(found)


def _same_identity(id18: str, recorded: str) -> bool:
    return recorded == id18 or (len(recorded) == 15 and recorded == legacy_alias(id18))


def _recorded_code(recorded: object) -> str:
    # int() first so that an IntegerChoices member gives "4", not its name.
    if isinstance(recorded, int) and not isinstance(recorded, bool):
        return str(int(recorded))
    return normalize_identifier(recorded)


def _labels(
    choices: type[models.IntegerChoices], certified: str, recorded: str
) -> tuple[str, str]:
    """Readable names of two codes; a code outside ``choices`` is shown as
    it is."""

    def label(code: str) -> str:
        known = code.isascii() and code.isdigit() and int(code) in choices.values
        return str(choices(int(code)).label) if known else code

    return label(certified), label(recorded)
