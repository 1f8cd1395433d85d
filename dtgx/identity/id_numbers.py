"""公民身份号码: checking, the values derived from it, and 15-digit legacy
numbers.

An 18-character number is ``AAAAAA YYYYMMDD SSS C``: 地址码 (the county of
first registration, GB/T 2260), birth date, 顺序码 (odd for men) and the
GB 11643 check character. A 15-digit legacy number is ``AAAAAA YYMMDD SSS``
with the century 19 implied and no check character.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy

from dtgx.identity import problems
from dtgx.identity.address import AddressLookup, resolve_lookup
from dtgx.identity.checksum import check_character, has_valid_check_character
from dtgx.identity.excel import excel_damage
from dtgx.identity.normalize import normalize_identifier, raw_if_changed
from dtgx.identity.problems import Problem
from dtgx.identity.shape import shape_problems

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN_BIRTH_YEAR = 1900


class IdKind(StrEnum):
    """The kind of number a field expects. The caller says which: a 15-digit
    value cannot be told apart from the first 15 digits of an 18-digit one."""

    ID18 = "id18"
    LEGACY15 = "legacy15"


class Sex(models.IntegerChoices):
    """Codes of GB/T 2261.1."""

    MALE = 1, gettext_lazy("男")
    FEMALE = 2, gettext_lazy("女")


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The outcome of :func:`check_id_number`.

    ``value`` is the normalised input; ``normalised_from`` is the raw text
    when normalisation changed it (record that in the audit trail), else
    ``None``. ``errors`` block the value; ``warnings`` never do.

    ``birth_date``, ``sex``, ``address_code`` and ``age`` (completed years at
    the reference date) are set only when ``ok``. ``legacy_alias`` is the
    15-digit form of the same person's number, for matching old records: set
    for a valid 18-digit number of someone born in 1900–1999 and for a legacy
    number with a real date. ``upgrade`` is the 18-digit number a legacy
    number converts to, offered for the operator to confirm.
    """

    value: str
    kind: IdKind
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    normalised_from: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    address_code: str | None = None
    age: int | None = None
    legacy_alias: str | None = None
    upgrade: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_id_number(
    raw: object,
    *,
    expect: IdKind = IdKind.ID18,
    reference_date: date | None = None,
    known_address: AddressLookup | None = None,
) -> IdCheck:
    """Check an identity number; never raises, whatever ``raw`` is.

    ``expect`` is what the field holds. For ``ID18`` (the default, and what
    registration requires) anything but 18 characters is a length error, a
    15-digit value included. For ``LEGACY15`` a well-formed legacy number is
    still an error (``legacy_15``, never accepted silently) that carries the
    18-digit ``upgrade`` for the operator to confirm against the card.

    Errors: ``empty``, ``charset``, ``length``, ``excel_number``, ``date``
    (not a real date, or before 1900), ``future_date`` (after
    ``reference_date``, which defaults to today in Asia/Shanghai),
    ``checksum``, ``legacy_15``. Warning: ``address_unknown`` when
    ``known_address`` (default: the project's historical code list) does not
    know the first six digits; an exception raised by an injected lookup is
    not caught.
    """
    expect = IdKind(expect)
    value = normalize_identifier(raw)
    normalised_from = raw_if_changed(raw, value)
    shape = _id_shape_problems(raw, value, expect)
    if shape:
        return IdCheck(value, expect, errors=shape, normalised_from=normalised_from)

    on = _reference_day(reference_date)
    lookup = resolve_lookup(known_address)
    if expect == IdKind.LEGACY15:
        result = _check_legacy(value, on, lookup)
    else:
        result = _check_id18(value, on, lookup)
    return replace(result, normalised_from=normalised_from)


def upgrade_legacy(raw15: object) -> str | None:
    """The 18-digit number for a 15-digit legacy number: "19" inserted before
    the two-digit year and the check character appended (110101650307123 →
    110101196503071236). ``None`` unless ``raw15`` normalises to 15 digits
    with a real 19YYMMDD date. Never raises. The result is a suggestion: the
    operator confirms it against the physical card."""
    value = normalize_identifier(raw15)
    if len(value) != 15 or not _is_digits(value):
        return None
    if _parse_yyyymmdd("19" + value[6:12]) is None:
        return None
    return _upgrade(value)


def legacy_alias(raw18: object) -> str | None:
    """The 15-digit legacy form (century and check character dropped) of a
    valid 18-digit number of someone born 1900–1999, for matching records
    kept under the old number; ``None`` otherwise. Never raises."""
    value = normalize_identifier(raw18)
    if not has_valid_check_character(value) or value[6:8] != "19":
        return None
    if _parse_yyyymmdd(value[6:14]) is None:
        return None
    return value[:6] + value[8:17]


def age_on(birth: date, on: date) -> int:
    """Age in completed years (周岁) on the day ``on``.

    One year is added on each birthday. Someone born on 29 February has the
    birthday on 1 March in a non-leap year (the usual Chinese practice): born
    2004-02-29, aged 0 on 2005-02-28 and 1 on 2005-03-01. Raises
    ``ValueError`` if ``on`` is before ``birth``.
    """
    if on < birth:
        raise ValueError("age_on: the day is before the birth date")
    # Comparing (month, day) puts (2, 29) after (2, 28) and before (3, 1),
    # which is exactly the 1 March rule above.
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    return on.year - birth.year - (0 if had_birthday else 1)


def mask_id_number(value: object) -> str:
    """The normalised number with all but the first four and last four
    characters replaced by ``*`` (4308**********1234), for screens and logs.
    Values of eight characters or fewer are masked completely."""
    text = normalize_identifier(value)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def today_in_shanghai() -> date:
    """Today's date in China, the default reference date."""
    return datetime.now(SHANGHAI).date()


def _id_shape_problems(raw: object, value: str, expect: IdKind) -> tuple[Problem, ...]:
    if expect == IdKind.LEGACY15:
        label, size, rule = problems.legacy_label(), 15, problems.legacy_charset_rule()
        x_index = None
    else:
        label, size, rule = problems.id_label(), 18, problems.id_charset_rule()
        x_index = len(value) - 1

    excel = excel_damage(raw, length=size, label=label)
    if excel is not None:
        return (excel,)
    if size == 18 and len(value) == 15 and _is_digits(value):
        # A legacy number, or the first 15 digits of a new one: both are
        # length errors here, with a hint for the legacy case.
        return (problems.fifteen_digits_for_id18(),)
    return shape_problems(value, label=label, size=size, x_index=x_index, rule=rule)


def _check_id18(value: str, on: date, lookup: AddressLookup) -> IdCheck:
    birth = _birth_date(value[6:14], on)
    checksum = () if has_valid_check_character(value) else (problems.checksum(),)
    warnings = _address_warnings(value[:6], lookup)
    if isinstance(birth, Problem) or checksum:
        dated = (birth,) if isinstance(birth, Problem) else ()
        return IdCheck(value, IdKind.ID18, errors=dated + checksum, warnings=warnings)

    return IdCheck(
        value,
        IdKind.ID18,
        warnings=warnings,
        birth_date=birth,
        sex=Sex.MALE if int(value[16]) % 2 else Sex.FEMALE,
        address_code=value[:6],
        age=age_on(birth, on),
        legacy_alias=legacy_alias(value),
    )


def _check_legacy(value: str, on: date, lookup: AddressLookup) -> IdCheck:
    birth = _birth_date("19" + value[6:12], on)
    warnings = _address_warnings(value[:6], lookup)
    if isinstance(birth, Problem):
        return IdCheck(value, IdKind.LEGACY15, errors=(birth,), warnings=warnings)

    upgrade = _upgrade(value)
    return IdCheck(
        value,
        IdKind.LEGACY15,
        errors=(problems.legacy_15(upgrade),),
        warnings=warnings,
        legacy_alias=value,
        upgrade=upgrade,
    )


def _birth_date(digits: str, on: date) -> date | Problem:
    """The birth date in 8 ASCII digits, or the problem with it."""
    birth = _parse_yyyymmdd(digits)
    if birth is None:
        return problems.invalid_date(digits)
    if birth.year < MIN_BIRTH_YEAR:
        return problems.year_too_early(birth.year, MIN_BIRTH_YEAR)
    if birth > on:
        return problems.future_date(birth, on)
    return birth


def _parse_yyyymmdd(digits: str) -> date | None:
    # A real calendar decides (30 February fails), never a pattern.
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _upgrade(value15: str) -> str:
    first17 = value15[:6] + "19" + value15[6:]
    return first17 + check_character(first17)


def _address_warnings(code: str, lookup: AddressLookup) -> tuple[Problem, ...]:
    return () if lookup(code) else (problems.address_unknown(code),)


def _reference_day(reference_date: date | None) -> date:
    if reference_date is None:
        return today_in_shanghai()
    if isinstance(reference_date, datetime):
        # A datetime compared with a date raises; take its Shanghai day.
        if reference_date.tzinfo is not None:
            reference_date = reference_date.astimezone(SHANGHAI)
        return reference_date.date()
    return reference_date


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
