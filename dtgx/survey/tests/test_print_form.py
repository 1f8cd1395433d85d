"""The printable blank form: every item of the form on A4, with code boxes,
option labels and the skip instructions written out, and nothing about
the user who printed it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dtgx.accounts.models import User
from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.survey.tests.entry_helpers import client_for


@pytest.mark.parametrize("kind", ["person", "community"])
def test_it_prints_every_item_number_of_the_form(cili_clerk: User, kind: str) -> None:
    form = load_questionnaire(kind, "2018")
    url = reverse("survey:print_form", args=[kind, "2018"])

    page = client_for(cili_clerk).get(url).content.decode()

    missing = [
        item.number
        for item in form.items
        if f'<th scope="row">{item.number}</th>' not in page
    ]
    assert missing == []
    assert form.title in page
    assert "survey/print.css" in page


def test_it_writes_the_skip_logic_out_in_words(cili_clerk: User) -> None:
    url = reverse("survey:print_form", args=["person", "2018"])

    page = client_for(cili_clerk).get(url).content.decode()

    assert "年龄6–14岁且R14未填时填写" in page
    assert "R7选“2 否”" in page
    assert "本部分由H3选“6 正常”的人填写，其他人跳过" in page
    assert "（选此项不选其他）" in page  # exclusive options of multi items
    assert page.count('<span class="box"></span>') > 60  # digits and codes


def test_it_shows_nothing_about_the_user(cili_clerk: User) -> None:
    url = reverse("survey:print_form", args=["community", "2018"])

    page = client_for(cili_clerk).get(url).content.decode()

    assert cili_clerk.username not in page
    assert "退出" not in page  # no page header with the account


def test_an_unknown_form_is_not_found(cili_clerk: User) -> None:
    url = reverse("survey:print_form", args=["person", "1999"])

    assert client_for(cili_clerk).get(url).status_code == 404
