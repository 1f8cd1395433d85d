"""Skip instructions for the printed form, worded from the conditions."""

from __future__ import annotations

import pytest

from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.questionnaires.expressions import parse_expression
from dtgx.questionnaires.wording import (
    describe_condition,
    section_instruction,
    skip_instruction,
)

PERSON = load_questionnaire("person", "2018")


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("age >= param('culture_min_age')", "年满6岁"),
        ("age <= 17", "年龄17岁及以下"),
        ("between(age, param('compulsory_education_age'))", "年龄6–14岁"),
        ("basic.lives_in_institution == 2", "R7选“2 否”"),
        ("education.level != 1", "R13未选“1 未上过学”"),
        (
            "employment.not_employed_reason in (4, 6, 7)",
            "R19选“4 无就业技能”、“6 农用土地被征用”或“7 其他”",
        ),
        ("selected(health.rehab_received, 8)", "R35选了“8 未得到”"),
        ("missing(education.current_school)", "R14未填"),
        ("missing(category)", "残疾类别不详"),
        ("category in (5, 6)", "残疾类别为“5 智力残疾”或“6 精神残疾”"),
        (
            "age >= 16 and (missing(category) or grade == 1)",
            "年满16岁且（残疾类别不详或残疾等级为“1 一级”）",
        ),
    ],
)
def test_it_words_the_common_shapes(condition: str, words: str) -> None:
    assert describe_condition(parse_expression(condition), PERSON) == words


@pytest.mark.parametrize(
    "condition", ["age + 1 > 16", "len(basic.name) > 2", "unknown.item == 1"]
)
def test_it_leaves_other_shapes_to_the_condition_text(condition: str) -> None:
    expr = parse_expression(condition)

    assert describe_condition(expr, PERSON) is None
    assert skip_instruction(expr, PERSON) == f"满足条件 {condition} 时填写"


def test_instructions_read_as_on_a_paper_form() -> None:
    item = PERSON.item("education.not_enrolled_reason")
    section = next(s for s in PERSON.sections if s.id == "culture")
    assert item.relevant is not None
    assert section.relevant is not None

    assert skip_instruction(item.relevant.expr, PERSON) == ("年龄6–14岁且R14未填时填写")
    assert section_instruction(section.relevant.expr, PERSON) == (
        "本部分由H3选“6 正常”且R7选“2 否”且年满6岁的人填写，其他人跳过"
    )
