"""Loading and validating form definitions, and the columns they yield."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dtgx.questionnaires.definitions import (
    MAX_COLUMN_LENGTH,
    ColumnKind,
    DefinitionError,
    FormKey,
    ItemType,
    Questionnaire,
    QuestionnaireNotFound,
    Source,
    available_questionnaires,
    build_questionnaire,
    check_questionnaire,
    column_specs,
    load_questionnaire,
)
from dtgx.questionnaires.expressions import referenced_names, referenced_params

FORMS = [FormKey("community", "2018"), FormKey("person", "2018")]


@pytest.fixture(params=FORMS, ids=lambda key: f"{key.kind}-{key.version}")
def form(request: pytest.FixtureRequest) -> Questionnaire:
    key: FormKey = request.param
    return load_questionnaire(key.kind, key.version)


def test_it_lists_the_available_forms() -> None:
    assert available_questionnaires() == tuple(FORMS)


def test_it_refuses_an_unknown_form() -> None:
    with pytest.raises(QuestionnaireNotFound):
        load_questionnaire("person", "1999")


def test_it_loads_forms_that_pass_every_check(form: Questionnaire) -> None:
    assert check_questionnaire(form) == []


def test_it_gives_every_item_a_unique_id_and_number(form: Questionnaire) -> None:
    ids = [item.id for item in form.items]
    numbers = [item.number for item in form.items]

    assert len(set(ids)) == len(ids)
    assert len(set(numbers)) == len(numbers)


def test_it_explains_every_item(form: Questionnaire) -> None:
    assert all(item.explanation and item.label for item in form.items)


def test_it_parses_every_condition_and_knows_every_name_it_reads(
    form: Questionnaire,
) -> None:
    conditions = [s.relevant for s in form.sections] + [i.relevant for i in form.items]
    parsed = [c.expr for c in conditions if c is not None]

    assert len(parsed) > 5
    for expr in parsed:
        assert referenced_names(expr) <= form.name_types.keys()
        assert referenced_params(expr) <= form.params.keys()


def test_it_orders_items_after_the_items_their_conditions_read(
    form: Questionnaire,
) -> None:
    position = {item_id: i for i, item_id in enumerate(form.relevance_order)}

    for item in form.items:
        for condition in form.conditions_of(item.id):
            for name in referenced_names(condition.expr) & form.item_ids:
                assert position[name] < position[item.id]


def test_it_counts_the_items_of_each_form() -> None:
    person = load_questionnaire("person", "2018")
    community = load_questionnaire("community", "2018")

    assert len(person.items) == 55
    assert [s.letter for s in person.sections] == [
        None,
        *"ABCDEFGH",
        None,
    ]
    assert {i.number for i in person.items} >= {f"R{n}" for n in range(1, 42)}
    assert len(community.items) == 36


def test_it_marks_reconstructed_options_as_inferred() -> None:
    person = load_questionnaire("person", "2018")
    marital = person.item("basic.marital_status").codes
    employment = person.item("employment.form").codes
    assert marital is not None
    assert employment is not None

    assert {o.source for o in marital.options} == {Source.INFERRED}
    inferred = {o.code for o in employment.options if o.source == Source.INFERRED}
    assert inferred == {1, 4}


def test_it_marks_the_whole_community_form_as_inferred() -> None:
    community = load_questionnaire("community", "2018")

    assert {item.source for item in community.items} == {Source.INFERRED}


# Columns


def test_it_names_a_column_after_the_item_id(form: Questionnaire) -> None:
    specs = {spec.item_id: spec for spec in column_specs(form)}

    assert specs["header.region_code"].name == "header_region_code"
    assert specs["header.region_code"].max_length == 12


def test_it_gives_each_option_of_a_multi_item_a_boolean_column() -> None:
    person = load_questionnaire("person", "2018")
    specs = [s for s in column_specs(person) if s.item_id == "employment.help_received"]

    assert [s.name for s in specs] == [
        f"employment_help_received_{code}" for code in range(1, 7)
    ]
    assert {s.kind for s in specs} == {ColumnKind.BOOL}
    assert specs[-1].option_code == 6


def test_it_types_and_limits_every_column(form: Questionnaire) -> None:
    specs = column_specs(form)
    names = [spec.name for spec in specs]

    assert len(set(names)) == len(names)
    assert all(len(name) <= MAX_COLUMN_LENGTH for name in names)
    assert not any("__" in name or name.endswith("_") for name in names)
    assert all(spec.nullable for spec in specs)
    for spec in specs:
        item = form.item(spec.item_id)
        if item.type == ItemType.CODE:
            assert spec.kind == ColumnKind.SMALLINT
        if spec.kind == ColumnKind.TEXT:
            assert spec.max_length


# Validation of a definition file


def minimal() -> dict[str, Any]:
    return {
        "kind": "test",
        "version": "1",
        "title": "测试表",
        "params": {"adult": [18, 200]},
        "code_lists": {"yes_no": {"options": [{"code": 1, "label": "是"}]}},
        "derived": [
            {"id": "age", "label": "年龄", "type": "integer", "explanation": "."}
        ],
        "sections": [
            {
                "id": "basic",
                "title": "基本",
                "items": [
                    {
                        "id": "basic.works",
                        "number": "R1",
                        "label": "是否工作",
                        "type": "code",
                        "codes": "yes_no",
                        "explanation": "说明",
                        "relevant": "between(age, param('adult'))",
                    },
                    {
                        "id": "basic.needs",
                        "number": "R2",
                        "label": "需求",
                        "type": "multi",
                        "explanation": "说明",
                        "relevant": "basic.works == 1",
                        "codes": {
                            "options": [
                                {"code": 1, "label": "培训"},
                                {"code": 2, "label": "无", "exclusive": True},
                            ]
                        },
                    },
                ],
            }
        ],
    }


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        build_questionnaire(data, origin="test-1.yaml")
    return list(caught.value.problems)


def with_item(**changes: Any) -> dict[str, Any]:
    data = minimal()
    data["sections"][0]["items"][0].update(changes)
    return data


def test_it_builds_the_minimal_definition() -> None:
    built = build_questionnaire(minimal(), origin="test-1.yaml")

    assert built.key == ("test", "1")
    assert built.params["adult"] == (18, 200)


def test_it_reports_every_problem_at_once() -> None:
    data = minimal()
    items = data["sections"][0]["items"]
    items[1]["id"] = "basic.works"
    items[1]["number"] = "R1"

    found = problems(data)

    assert any("basic.works 重复" in p for p in found)
    assert any("R1 重复" in p for p in found)
    assert any("循环" in p for p in found)
    assert str(DefinitionError("x", found)).count("\n- ") == len(found)


def test_it_reports_an_item_column_that_clashes_with_an_option_column() -> None:
    found = problems(with_item(id="basic.needs_1", relevant=None))

    assert any("列名 basic_needs_1 重复" in p for p in found)


def test_it_reports_duplicate_codes() -> None:
    data = minimal()
    data["code_lists"]["yes_no"]["options"].append({"code": 1, "label": "否"})

    assert any("代码 1 重复" in p for p in problems(data))


def test_it_reports_conditions_that_read_unknown_items() -> None:
    found = problems(with_item(relevant="basic.nothing == 1"))

    assert any("未知的名称 basic.nothing" in p for p in found)


def test_it_reports_conditions_that_read_unknown_parameters() -> None:
    found = problems(with_item(relevant="age >= param('child')"))

    assert any("未定义的参数 child" in p for p in found)


def test_it_reports_a_condition_that_does_not_parse_with_its_position() -> None:
    found = problems(with_item(relevant="age >= >= 1"))

    assert any("第 8 个字符处" in p for p in found)


def test_it_reports_unknown_codes_in_conditions() -> None:
    data = minimal()
    data["sections"][0]["items"][1]["relevant"] = "basic.works == 2"

    assert any("没有代码 2" in p for p in problems(data))


def test_it_reports_exclusive_options_outside_multi_items() -> None:
    data = minimal()
    data["code_lists"]["yes_no"]["options"][0]["exclusive"] = True

    assert any("排他选项" in p for p in problems(data))


def test_it_reports_ranges_that_make_no_sense() -> None:
    inverted = with_item(type="integer", codes=None, min=5, max=1)
    on_a_code = with_item(min=0)
    bad_param = minimal()
    bad_param["params"]["adult"] = [60, 18]

    assert any("下限 5 大于上限 1" in p for p in problems(inverted))
    assert any("取值范围" in p for p in problems(on_a_code))
    assert any("下限大于上限" in p for p in problems(bad_param))


def test_it_reports_text_without_a_length() -> None:
    found = problems(with_item(type="text", codes=None))

    assert any("max_length" in p for p in found)


def test_it_reports_conditions_that_depend_on_each_other() -> None:
    found = problems(with_item(relevant="answered(basic.needs)"))

    assert any("循环" in p for p in found)


def test_it_reports_ids_that_are_not_snake_case_or_outside_their_section() -> None:
    assert any("蛇形" in p for p in problems(with_item(id="basic.Works")))
    assert any("不属于" in p for p in problems(with_item(id="other.works")))
    assert any("蛇形" in p for p in problems(with_item(id="basic.class")))


def test_it_reports_column_names_longer_than_postgres_allows() -> None:
    found = problems(with_item(id="basic." + "x" * 60))

    assert any("超过 63 个字符" in p for p in found)


def test_it_reports_the_first_malformed_entry_by_its_place() -> None:
    data = copy.deepcopy(minimal())
    data["sections"][0]["items"][0]["colour"] = "red"

    [problem] = problems(data)
    assert "sections[0]（basic）.items[0]" in problem
    assert "colour" in problem


def test_it_refuses_a_relevance_condition_that_is_not_a_condition() -> None:
    found = problems(with_item(relevant="age + 1"))

    assert any("必须是条件" in p for p in found)
