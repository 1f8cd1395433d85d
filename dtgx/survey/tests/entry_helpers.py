"""Posting whole forms through the entry screen, as a browser would.

Answers are given as item values (``adult_answers`` and friends); they are
turned into the texts a clerk would have typed. Unlike the browser, these
posts also send answers to items that do not apply: the server must store
NULL for them whatever it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.test import Client
from django.urls import reverse

from dtgx.accounts.models import User
from dtgx.registry.models import Person
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.survey.tests.helpers import SURVEY_DATE, adult_answers, village_answers

BOOKKEEPING = {
    "header.survey_method": 1,
    "footer.collector": "李采集",
    "footer.fill_date": SURVEY_DATE,
}


def typed_text(value: object) -> str:
    """What a clerk types for ``value``."""
    if value is None:
        return ""
    if isinstance(value, list | set | frozenset | tuple):
        return " ".join(str(code) for code in sorted(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def form_data(answers: Mapping[str, object], **extra: str) -> dict[str, str]:
    data = {item_id: typed_text(value) for item_id, value in answers.items()}
    return {**data, **extra}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_answers(person: Person, **changes: object) -> dict[str, object]:
    """The adult farmer's answers with the bookkeeping items a clerk types;
    keyword ``a__b`` sets item ``a.b``, ``None`` blanks it."""
    return {**BOOKKEEPING, **adult_answers(person, **changes)}


def post_person(
    user: User, round: Round, person: Person, answers: Mapping[str, object]
) -> PersonRecord:
    """Enter ``person``'s form through the screen; the saved record."""
    url = reverse("survey:person_entry_new", args=[round.year, person.pk])
    response = client_for(user).post(url, form_data(answers))
    assert response.status_code == 302, _problems(response.content.decode())
    return PersonRecord.objects.get(round=round, person=person)


def community_answers(**changes: object) -> dict[str, object]:
    answers = village_answers()
    for key, value in changes.items():
        answers[key.replace("__", ".")] = value
    return answers


def post_community(
    user: User, round: Round, code: str, answers: Mapping[str, object]
) -> CommunityRecord:
    url = reverse("survey:community_entry_new", args=[round.year, code])
    response = client_for(user).post(url, form_data(answers))
    assert response.status_code == 302, _problems(response.content.decode())
    return CommunityRecord.objects.get(round=round, village_id=code)


def _problems(page: str) -> str:
    """The error messages of a page that was shown again, for a failure."""
    start = page.find('id="entry-errors"')
    marks = [page[i : i + 120] for i in range(len(page)) if page.startswith("<li>", i)]
    return page[start : start + 400] + " | " + " | ".join(marks[:12])
