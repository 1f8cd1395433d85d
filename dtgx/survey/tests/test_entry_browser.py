"""A clerk keys a whole person form with the keyboard only, in Chromium:
codes typed, Enter to move on, and the skip logic hiding and showing
items as the answers come in. The saved record holds NULL for every item
that did not apply.

Needs Debian's Chromium at /usr/bin/chromium (CI installs it) and the
``playwright`` package; skipped with the reason when either is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import PASSWORD, World
from dtgx.registry.models import Person
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.helpers import load_base_list, make_round, store_person

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed at /usr/bin/chromium "
        "(.ci/run installs it with apt-get install chromium)",
        allow_module_level=True,
    )

# Playwright's sync API keeps an event loop running in this thread, which
# makes Django refuse ORM calls from the test itself.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS
        )
        yield browser
        browser.close()
        # The test's queries ran while Playwright's loop was running, on
        # connections of their own: close them, or PostgreSQL refuses to
        # drop the test database at the end of the run.
        connections.close_all()


@pytest.fixture
def clerk(world: World) -> User:
    return world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)


@pytest.fixture
def farmer(world: World, clerk: User) -> Person:
    """30 on the 2025 reference date: no compulsory-education questions.
    The village's base list names a neighbour after him."""
    farmer = store_person(world.village, 1, name="王建国")
    neighbour = store_person(world.village, 2, name="李秀英")
    load_base_list(world.cili, clerk, [farmer, neighbour])
    return farmer


def _log_in(page: Page, base: str, user: User) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


class Keys:
    """The clerk's hands: type into whatever has the focus, then Enter."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def enter(self, *codes: str) -> None:
        for code in codes:
            if code:
                self.page.keyboard.type(code)
            self.page.keyboard.press("Enter")

    def focused_item(self) -> str:
        script = "document.activeElement.dataset.itemId || document.activeElement.id"
        return str(self.page.evaluate(script))

    def shown(self, item_id: str) -> bool:
        return self.page.locator(f'[data-item="{item_id}"]').is_visible()


def test_a_clerk_keys_a_whole_form_and_the_skip_logic_follows(
    live_server: LiveServer, browser: Browser, clerk: User, farmer: Person
) -> None:
    round: Round = make_round()
    base = live_server.url
    page = browser.new_page()
    # Generous: CI runs this beside a busy database on two cores.
    page.set_default_timeout(60_000)
    _log_in(page, base, clerk)
    page.goto(base + reverse("survey:person_entry_new", args=[round.year, farmer.pk]))
    keys = Keys(page)

    # The cursor starts on the first empty input: the survey method.
    assert keys.focused_item() == "header.survey_method"
    assert not keys.shown("basic.hukou_type")  # body closed until H3 = 6
    keys.enter("1", "6")
    assert keys.shown("basic.hukou_type")

    keys.enter("", "")  # R1, R2 prefilled from the registry
    keys.enter("1", "2")  # R3 agricultural, R4 married
    assert not keys.shown("basic.contact_name")  # a guardian only for minors
    keys.enter("13800000000")  # R6

    # R7 = 1 (lives in a home) closes B, D and H; back to 2 opens them.
    page.keyboard.type("1")
    assert not keys.shown("economy.poverty_status")
    assert not keys.shown("employment.is_employed")
    assert not keys.shown("culture.takes_part")
    assert page.locator('[data-section="employment"] .skip-note').is_visible()
    page.keyboard.press("Backspace")
    keys.enter("2")
    assert keys.shown("economy.poverty_status")
    assert keys.shown("employment.is_employed")
    assert not keys.shown("economy.urban_income_status")  # urban only

    assert keys.focused_item() == "economy.poverty_status"
    keys.enter("3", "1")  # R10, R11
    keys.enter("1", "4", "")  # R12 literate, R13 junior middle, R14 no school
    # Thirty years old: never the compulsory-education question R15.
    assert not keys.shown("education.not_enrolled_reason")

    keys.enter("1")  # R16 employed
    assert keys.shown("employment.form")
    assert not keys.shown("employment.livelihood_source")
    keys.enter("6", "3", "6")  # R17, R20 multi, R21 multi

    keys.enter("4", "1", "2", "1", "2")  # R22 … R26
    page.keyboard.type("1")  # R27: subsistence allowance ticked …
    assert keys.shown("social_security.subsistence_type")
    page.keyboard.type("6")  # … then "none", which is exclusive
    assert page.input_value("#f-social_security\\.assistance") == "6"
    assert not keys.shown("social_security.subsistence_type")
    keys.enter("")
    keys.enter("4")  # R28
    assert not keys.shown("social_security.receives_care_service")  # grade 3

    keys.enter("1", "2")  # R31, R32 no illness
    assert not keys.shown("health.treated")
    keys.enter("3", "8", "2", "7", "1")  # R35, R37, R38, R39, R40
    assert not keys.shown("culture.not_taking_part_reasons")

    # A slip on R7 hides B, D and H; putting it right gives their answers
    # back (the hidden inputs were emptied, so they would not be sent).
    page.focus("#f-basic\\.lives_in_institution")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    assert page.input_value("#f-employment\\.form") == ""
    page.keyboard.press("Backspace")
    page.keyboard.type("2")
    assert page.input_value("#f-employment\\.form") == "6"
    assert page.input_value("#f-culture\\.takes_part") == "1"
    page.focus("#f-culture\\.takes_part")
    keys.enter("")

    # Shift+Enter goes back one input.
    page.keyboard.press("Shift+Enter")
    assert keys.focused_item() == "culture.takes_part"
    keys.enter("")
    keys.enter("王建国", "", "王建国", "李采集", "20250715", "")
    assert page.evaluate("document.activeElement.id") == "save-button"
    page.keyboard.press("Enter")
    page.wait_for_url("**/next/**")

    record = PersonRecord.objects.get(person=farmer)
    assert (record.survey_method, record.collector) == (1, "李采集")
    assert record.basic_lives_in_institution == 2
    assert record.economy_poverty_status == 3
    assert record.economy_urban_income_status is None
    assert record.basic_contact_name is None
    assert record.education_not_enrolled_reason is None
    assert record.employment_livelihood_source is None
    assert record.social_security_subsistence_type is None
    assert record.social_security_assistance_1 is False
    assert record.social_security_assistance_6 is True
    assert record.social_security_receives_care_service is None
    assert record.health_treated is None
    assert record.culture_not_taking_part_reasons_2 is None

    # Enter opens the next person; the batch's collector and date come along.
    # Chromium applies autofocus at a rendering update after load: wait for it.
    page.wait_for_function("document.activeElement.id === 'next-entry'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/persons/new/**")
    assert "李秀英" in page.inner_text("dl.entry-header")
    assert keys.focused_item() == "header.survey_method"
    assert page.input_value("#f-footer\\.collector") == "李采集"
    assert page.input_value("#f-footer\\.fill_date") == "2025-07-15"
    assert page.locator('[data-item="footer.collector"] .carried-mark').is_visible()
    page.close()
