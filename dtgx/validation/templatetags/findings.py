"""Template tags that show a record's audit findings on the survey's
pages, so that the survey's Python code need not know the validation app.

``{% record_findings record as findings %}`` gives the record's open and
verified findings (one query); ``findings|for_item:item_id`` those whose
rule names the item.
"""

from __future__ import annotations

from django import template

from dtgx.survey.models import SurveyRecord
from dtgx.validation.access import findings_of_record
from dtgx.validation.display import RuleBook, ShownFinding

register = template.Library()


@register.simple_tag
def record_findings(record: SurveyRecord | None) -> list[ShownFinding]:
    """The open and verified findings of a record the page fetched through
    the survey's access helpers; none for a new form (``None``)."""
    if record is None or record.pk is None:
        return []
    found = list(findings_of_record(record))
    if not found:
        return []
    book = RuleBook(record.round)
    return [book.shown(finding) for finding in found]


@register.filter
def for_item(findings: list[ShownFinding], item_id: str) -> list[ShownFinding]:
    return [shown for shown in findings if item_id in shown.items]
