"""Experts (专家/第三方评估) see aggregates and the records a spot check
sampled, never whole name lists: every list or export of persons, records
or findings refuses them with a page that says so, the summary tables
stay open. The URLs come from the access table of ``test_url_access``."""

# ruff: noqa: F811 (the scene fixture imported from test_url_access)
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.accounts.tests.test_url_access import (  # noqa: F401 (fixture)
    RULES,
    Scene,
    _cili_spot_check,
    _request,
    _survey_person_record,
    scene,
)

REFUSED_TO_EXPERTS = {
    "registry:person_list",
    "registry:person_detail",
    "survey:person_record_list",
    "survey:pending_list",
    "survey:entry_next",
    "survey:person_record_export",
    "validation:findings",
    "validation:export_findings",
    "validation:finding_detail",
    "validation:verify",
}
OPEN_TO_EXPERTS = {
    "reporting:submission",
    "reporting:tables",
    "reporting:export_tables",
    "quality:spot_check",
}


def _expert(scene: Scene) -> User:
    return scene.world.person("hunan_expert", scene.world.hunan, Role.EXPERT)


def _callbacks(patterns: list[Any], namespace: str = "") -> Iterator[Any]:
    """(URL name, view) of every pattern, as ``all_url_names`` walks them."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _callbacks(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_every_name_list_is_in_the_table() -> None:
    guarded = {
        name
        for name, view in _callbacks(get_resolver().url_patterns)
        if getattr(view, "lists_real_names", False)
    }

    assert guarded == REFUSED_TO_EXPERTS


@pytest.mark.parametrize("name", sorted(REFUSED_TO_EXPERTS))
def test_an_expert_may_not_list_or_export_names(scene: Scene, name: str) -> None:
    client = Client()
    client.force_login(_expert(scene))

    answer = _request(client, RULES[name], scene, name)

    assert answer.status_code == 403
    assert "不能列出或导出持证残疾人名单" in answer.content.decode()


@pytest.mark.parametrize("name", sorted(OPEN_TO_EXPERTS))
def test_an_expert_reads_the_aggregates(scene: Scene, name: str) -> None:
    client = Client()
    client.force_login(_expert(scene))

    answer = _request(client, RULES[name], scene, name)

    assert answer.status_code == 200


def test_an_expert_opens_a_sampled_record_only(scene: Scene) -> None:
    client = Client()
    client.force_login(_expert(scene))
    record = _survey_person_record(scene)
    url = reverse("survey:person_record_detail", args=[record.pk])

    before = client.get(url)
    _cili_spot_check(scene)  # samples the county's one record
    after = client.get(url)

    assert before.status_code == 403
    assert after.status_code == 200
    assert (record.basic_name or "") in after.content.decode()


def test_the_chairman_still_lists_the_records_he_signs(scene: Scene) -> None:
    chairman = scene.world.person(
        "cili_chairman", scene.world.cili, Role.FEDERATION_CHAIRMAN
    )
    client = Client()
    client.force_login(chairman)
    name = "survey:person_record_list"

    assert _request(client, RULES[name], scene, name).status_code == 200
