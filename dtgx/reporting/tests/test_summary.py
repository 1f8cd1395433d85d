"""The summary tables (汇总表) of a region and round, computed from a small
world of records with known answers.

示例村 in 慈利县 has five holders in the base list. Four have saved forms:

* 王建国, 30, man, 肢体 three, farmer, employed in 农村种养加, visited (入户);
* 李秀英, 45, woman, 视力 one, town hukou, not employed (无就业技能),
  低保 and 生活补贴, interviewed by phone;
* 张小明, 10, boy, 智力 two, at a special school (特教小学), visited;
* 赵小红, 8, girl, 智力 two, never at school (残疾程度重), visited.

A fifth holder's form is a draft, and 桑植县 next door has one saved form:
neither counts for 慈利县.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dtgx.accounts.models import User
from dtgx.conftest import World
from dtgx.questionnaires.expressions import parse_expression
from dtgx.regions.codes import prefix_of
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.reporting.summary import (
    TableDefinitionError,
    TableResult,
    compute_all,
    compute_table,
    load_tables,
    write_summary_xlsx,
)
from dtgx.reporting.summary.definitions import (
    Filter,
    Source,
    build_table,
    check_filter,
    check_table,
)
from dtgx.survey import services
from dtgx.survey.models import PersonRecord, Round, SurveyMethod
from dtgx.survey.tests.helpers import (
    SURVEY_DATE,
    adult_answers,
    load_base_list,
    store_person,
    village_answers,
)
from dtgx.validation.models import Finding

YES, NO = 1, 2
SANGZHI_VILLAGE = "430822100201"


def holder(
    village: Region,
    sequence: int,
    *,
    birth: date,
    sex: int = 1,
    category: int = 4,
    grade: int = 3,
    hukou: int = 1,
) -> Person:
    person = store_person(village, sequence, birth=birth, hukou=hukou)
    person.sex, person.category, person.grade = sex, category, grade
    person.certificate_number = f"{person.id_number}{category}{grade}"
    person.save()
    return person


def fill(
    clerk: User,
    person: Person,
    round: Round,
    *,
    method: SurveyMethod = SurveyMethod.VISIT,
    draft: bool = False,
    base: dict[str, object] | None = None,
    **changes: object,
) -> PersonRecord:
    answers = adult_answers(person, **(base or {}), **changes)
    answers = {k: v for k, v in answers.items() if v is not None}
    return services.create_person_record(
        clerk,
        round,
        person,
        answers,
        survey_method=method,
        collector="李采集",
        survey_date=SURVEY_DATE,
        draft=draft,
    )


CHILD: dict[str, object] = {
    "basic__marital_status": None,
    "basic__contact_name": "家长",
    "education__literate": None,
    "employment__is_employed": None,
    "employment__form": None,
    "employment__help_received": None,
    "employment__help_needed": None,
    "social_security__employee_insurance": None,
    "social_security__resident_pension": None,
    "social_security__pension_subsidy": None,
}


@pytest.fixture
def county(
    world: World, round: Round, cili_clerk: User, sangzhi_clerk: User
) -> list[Person]:
    """The records of the module docstring; returns the base list."""
    village = world.village
    farmer = holder(village, 1, birth=date(1995, 1, 1))
    fill(cili_clerk, farmer, round)

    townswoman = holder(
        village, 2, birth=date(1980, 3, 1), sex=2, category=1, grade=1, hukou=2
    )
    fill(
        cili_clerk,
        townswoman,
        round,
        method=SurveyMethod.PHONE,
        basic__hukou_type=2,
        economy__poverty_status=None,
        economy__rural_housing=None,
        economy__urban_income_status=1,
        economy__urban_housing=1,
        employment__is_employed=NO,
        employment__form=None,
        employment__livelihood_source=3,
        employment__not_employed_reason=4,
        employment__unemployment_registered=NO,
        social_security__assistance=[1],
        social_security__subsistence_type=2,
        social_security__urban_subsistence_amount=1,
        social_security__welfare_allowances=[1],
        health__rehab_received=[2, 3],
        health__rehab_needed=[2],
    )

    pupil = holder(village, 3, birth=date(2015, 1, 1), category=5, grade=2)
    fill(
        cili_clerk,
        pupil,
        round,
        base=CHILD,
        education__level=3,
        education__current_school=8,
        social_security__welfare_allowances=[2],
    )

    girl = holder(village, 4, birth=date(2017, 1, 1), sex=2, category=5, grade=2)
    fill(
        cili_clerk,
        girl,
        round,
        base=CHILD,
        education__level=1,
        education__not_enrolled_reason=2,
        social_security__welfare_allowances=[2],
    )

    drafted = holder(village, 5, birth=date(1990, 1, 1), category=2, grade=2)
    fill(cili_clerk, drafted, round, draft=True)

    neighbour = Region.objects.get(code=SANGZHI_VILLAGE)
    fill(sangzhi_clerk, holder(neighbour, 6, birth=date(1970, 1, 1)), round)

    base_list = [farmer, townswoman, pupil, girl, drafted]
    load_base_list(world.cili, cili_clerk, base_list)
    return base_list


def table(table_id: str, round: Round, region: Region) -> TableResult:
    return compute_table(table_id, round, region.code)


# --- Person tables ---------------------------------------------------------------


def test_persons_by_category_and_grade_count_saved_records_of_the_subtree(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T01", round, world.cili)

    assert result.cell("视力残疾", "一级") == 1
    assert result.cell("肢体残疾", "三级") == 1
    assert result.cell("智力残疾", "二级") == 2
    assert result.cell("听力残疾", "二级") == 0  # the draft
    assert result.cell("合计", "二级") == 2
    assert result.cell("智力残疾", "合计") == 2
    assert result.grand_total == 4


def test_an_upper_level_counts_every_county_below_it(
    world: World, round: Round, county: list[Person]
) -> None:
    assert table("T01", round, world.zhangjiajie).grand_total == 5
    assert table("T01", round, world.sangzhi).grand_total == 1
    assert table("T01", round, world.lingyang).grand_total == 4
    assert table("T01", round, world.village).grand_total == 4


def test_persons_by_age_group_and_sex(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T02", round, world.cili)

    assert result.cell("6-14岁", "男") == 1
    assert result.cell("6-14岁", "女") == 1
    assert result.cell("18-59岁", "男") == 1
    assert result.cell("18-59岁", "女") == 1
    assert result.cell("60岁及以上", "合计") == 0
    assert result.total_row == (2, 2)


def test_hukou_follows_the_answer_to_r3(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T03", round, world.cili)

    assert result.total_row == (3, 1)
    assert result.cell("视力残疾", "非农业户口") == 1


def test_compulsory_education_counts_children_in_and_out_of_school(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T04", round, world.cili)

    assert result.cell("智力残疾", "合计") == 2
    assert result.cell("智力残疾", "在校") == 1
    assert result.cell("智力残疾", "其中：特殊教育学校（含送教上门）") == 1
    assert result.cell("智力残疾", "其中：普通学校") == 0
    assert result.cell("智力残疾", "未入学") == 1
    assert result.cell("智力残疾", "未入学原因：残疾程度重") == 1
    assert result.grand_total == 2  # the adults are not of school age


def test_employment_counts_working_age_persons_by_form_and_reason(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T05", round, world.cili)

    assert result.grand_total == 2
    assert result.cell("合计", "就业") == 1
    assert result.cell("肢体残疾", "农村种养加") == 1
    assert result.cell("视力残疾", "未就业") == 1
    assert result.cell("视力残疾", "未就业原因：无就业技能") == 1


def test_assistance_and_allowances_count_each_ticked_option(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T07", round, world.cili)

    assert result.cell("合计", "最低生活保障") == 1
    assert result.cell("合计", "未享受社会救助") == 3
    assert result.cell("合计", "困难残疾人生活补贴") == 1
    assert result.cell("智力残疾", "重度残疾人护理补贴") == 2
    assert result.cell("合计", "未享受福利补贴") == 1


def test_rehabilitation_totals_are_persons_not_ticks(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T10", round, world.cili)

    # 李秀英 ticked two services: two ticks, one person.
    assert result.cell("视力残疾", "康复训练") == 1
    assert result.cell("视力残疾", "辅助器具适配") == 1
    assert result.cell("视力残疾", "合计") == 1
    assert result.cell("合计", "辅助器具适配") == 4


# --- Community, process and findings ---------------------------------------------


def test_community_tables_count_villages_and_sum_items(
    world: World, round: Round, cili_clerk: User, sangzhi_clerk: User
) -> None:
    services.create_community_record(
        cili_clerk, round, world.village, village_answers()
    )
    neighbour = Region.objects.get(code=SANGZHI_VILLAGE)
    services.create_community_record(sangzhi_clerk, round, neighbour, village_answers())

    facilities = table("T14", round, world.cili)
    sums = table("T15", round, world.cili)

    assert facilities.cell("填报村（社区）数", "合计") == 1
    assert facilities.cell("填报村（社区）数", "村委会（村）") == 1
    assert facilities.cell("成立残疾人协会", "合计") == 1
    assert facilities.cell("有残疾人日间照料或托养服务机构", "合计") == 0
    assert facilities.cell("办公服务场所有扶手", "合计") == 1
    assert sums.cell("户籍人口数（人）", "合计") == 1200
    assert sums.cell("组织残疾人文化体育活动次数（次）", "村委会（村）") == 3
    assert (
        table("T15", round, world.zhangjiajie).cell("户籍人口数（人）", "合计") == 2400
    )


def test_update_rate_is_saved_records_over_the_base_list(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T16", round, world.cili)

    assert result.cell("底册人数", "数值") == 5
    assert result.cell("已更新人数（已保存登记表）", "数值") == 4
    assert result.cell("更新率（%）", "数值") == Decimal("80.0")
    assert result.cell("人员状态正常", "数值") == 4


def test_survey_method_shares_give_the_visit_rate(
    world: World, round: Round, county: list[Person]
) -> None:
    result = table("T17", round, world.cili)

    assert result.cell("入户调查", "人数") == 3
    assert result.cell("入户调查", "占比（%）") == Decimal("75.0")
    assert result.cell("电话调查", "占比（%）") == Decimal("25.0")
    assert result.cell("合计", "人数") == 4
    assert result.cell("合计", "占比（%）") == Decimal("100.0")


def test_a_rate_without_a_denominator_is_empty(world: World, round: Round) -> None:
    result = table("T16", round, world.cili)

    assert result.cell("底册人数", "数值") == 0
    assert result.cell("更新率（%）", "数值") is None


def test_findings_by_severity_and_state(
    world: World, round: Round, county: list[Person]
) -> None:
    Finding.objects.all().delete()
    records = list(PersonRecord.objects.filter(status="saved").order_by("id"))
    states = [
        ("error", "open"),
        ("error", "resolved"),
        ("query", "open"),
        ("query", "verified"),
        ("error", "open"),  # in 桑植县
    ]
    for number, (record, (severity, status)) in enumerate(
        zip(records, states, strict=True)
    ):
        Finding.objects.create(
            round=round,
            person_record=record,
            region_code=record.region_code,
            rule_id=f"T{number}",
            severity=severity,
            rule_set_version="national-2018",
            status=status,
            explanation="已电话核实。" if status == "verified" else "",
        )

    result = table("T18", round, world.cili)

    assert result.cell("错误数据", "待处理") == 1
    assert result.cell("错误数据", "已更正") == 1
    assert result.cell("疑问数据", "已核实") == 1
    assert result.cell("合计", "待处理") == 2
    assert result.grand_total == 4


# --- Accepted regions, queries, JSON ----------------------------------------------


def test_regions_restrict_an_upper_level_to_the_accepted_ones(
    world: World, round: Round, county: list[Person]
) -> None:
    cili_only = [prefix_of(world.cili.code)]

    restricted = compute_table("T01", round, world.zhangjiajie.code, regions=cili_only)
    as_codes = compute_table(
        "T01", round, world.zhangjiajie.code, regions=[world.sangzhi.code]
    )
    nothing = compute_all(round, world.zhangjiajie.code, regions=[])

    assert restricted.grand_total == 4
    assert as_codes.grand_total == 1
    assert {t.table_id: t for t in nothing}["T01"].grand_total == 0
    assert {t.table_id: t for t in nothing}["T16"].cell("更新率（%）", "数值") is None


def test_all_tables_take_one_query_per_source(
    world: World, round: Round, county: list[Person]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        results = compute_all(round, world.cili.code)

    assert [r.table_id for r in results] == [t.id for t in load_tables()]
    assert len(queries) == 4  # person, community, finding, base list


def test_a_result_survives_json(
    world: World, round: Round, county: list[Person]
) -> None:
    for result in compute_all(round, world.cili.code):
        assert TableResult.from_json(result.to_json()) == result
    rate = table("T16", round, world.cili).to_json()
    assert rate["cells"] == [[5], [4], ["80.0"], [4], [0], [0], [0], [0], [0]]


# --- Definitions --------------------------------------------------------------------


def test_every_definition_reads_only_existing_items_and_codes() -> None:
    tables = load_tables()

    assert [t.id for t in tables] == [f"T{n:02d}" for n in range(1, 19)]
    for definition in tables:
        assert check_table(definition) == [], definition.id


@pytest.mark.parametrize(
    "text",
    [
        "employment.no_such_item == 1",
        "category == 8",
        "selected(health.rehab_received, 9)",
        "health.rehab_received == 1",
        'between(age, param("no_such_range"))',
    ],
)
def test_a_filter_with_an_unknown_item_code_or_option_is_refused(text: str) -> None:
    condition = Filter(text, parse_expression(text))

    assert check_filter(Source.PERSON, condition) != []


def test_a_definition_file_with_problems_lists_them_all() -> None:
    data = {
        "id": "X01",
        "title": "错表",
        "unit": "人",
        "source": "person",
        "rows": [{"label": "甲", "filter": "category == 9"}],
        "columns": [
            {"label": "乙", "filter": "severity == 'error'"},
            {"label": "丙", "measure": {"sum": "basic.hukou_type"}},
        ],
    }

    with pytest.raises(TableDefinitionError) as refused:
        build_table(data, origin="X01.yaml")

    assert len(refused.value.problems) == 3


# --- Output ---------------------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_table_in_the_government_layout(
    world: World, round: Round, county: list[Person], tmp_path: Path
) -> None:
    target = tmp_path / "summary.xlsx"
    results = compute_all(round, world.cili.code)

    write_summary_xlsx(results, target, region_name="慈利县", year=2025)

    book = load_workbook(target)
    assert book.sheetnames == [r.table_id for r in results]
    sheet = book["T01"]
    assert sheet["A1"].value == (
        "2025年度慈利县残疾人基本服务状况和需求信息数据动态更新汇总表 "
        "T01 残疾人数（按残疾类别和残疾等级分）"
    )
    assert "A1:G1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：慈利县"
    assert sheet["G2"].value == "单位：人"
    assert [c.value for c in sheet[3]] == [
        "残疾类别",
        "合计",
        "一级",
        "二级",
        "三级",
        "四级",
        "未评定",
    ]
    assert [c.value for c in sheet[4]] == ["合计", 4, 1, 2, 1, 0, 0]
    assert [c.value for c in sheet[9]] == ["智力残疾", 2, 0, 2, 0, 0, 0]
    visits = book["T17"]
    assert visits["C4"].value == 100.0
    assert visits["C5"].value == 75.0


def test_the_html_partial_renders_one_table(
    world: World, round: Round, county: list[Person]
) -> None:
    html = render_to_string(
        "reporting/_summary_table.html", {"table": table("T16", round, world.cili)}
    )

    assert "<caption>T16 动态更新工作进度" in html
    assert '<th scope="row">底册人数</th><td>5</td>' in html
    assert "<td>80.0</td>" in html
