"""The plan-text parser: the Jiayuguan sample, its one-line copy, and small plans written here."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest

from ledger.dates import chinese_number, parse_chinese_date, parse_deadline_expression
from ledger.documents import read_docx
from ledger.model import ImportNote, ItemSpec, Location, ParsedLedger
from ledger.plan_text import NOTE_PARAMS, looks_like_plan, parse_plan_text
from ledger.units import split_units
from messages.render import LOCALES, Renderer, build_environment

SAMPLES = Path(__file__).resolve().parent / "data" / "plans"
JIAYUGUAN = SAMPLES / "jiayuguan-2020-rectification-plan.txt"
DEFAULT_START = date(2030, 1, 1)


def parse(text: str) -> ParsedLedger:
    result = parse_plan_text(text, default_start=DEFAULT_START)
    # Every note the parser emits is a known code with its declared params.
    for note in result.warnings + result.errors:
        assert tuple(k for k, _ in note.params) == NOTE_PARAMS[note.code], note
    return result


def by_number(result: ParsedLedger) -> dict[str, ItemSpec]:
    return {item.number: item for item in result.items}


def codes(result: ParsedLedger) -> list[str]:
    return [n.code for n in result.warnings]


@pytest.fixture(scope="module")
def jiayuguan() -> ParsedLedger:
    return parse(JIAYUGUAN.read_text(encoding="utf-8"))


def test_jiayuguan_numbers(jiayuguan: ParsedLedger) -> None:
    numbers = "1 2 3 4 5 14 16 24.1 24.2 25 30 31 37 38 39 42 43 45"
    assert [i.number for i in jiayuguan.items] == numbers.split()
    assert jiayuguan.errors == []
    assert jiayuguan.warnings == []


def test_jiayuguan_fields(jiayuguan: ParsedLedger) -> None:
    items = by_number(jiayuguan)
    first = items["1"]
    assert first.title == "绿色发展理念树得不牢固"
    assert first.problem.startswith("绿色发展理念树得不牢固。习近平总书记")
    assert first.problem.endswith("没有转化为行动自觉。")
    assert first.responsible_leader == "市生态环境保护委员会成员单位主要领导"
    assert first.responsible_person == "市生态环境保护委员会成员单位分管领导"
    assert first.deadline_text == "立行立改、持续加强、长期坚持"
    assert len(first.targets) == 1
    assert first.targets[0].text.startswith("深入学习贯彻习近平生态文明思想")
    assert first.location.line == 203
    assert items["3"].responsible_units == [
        *("市水务局", "市生态环境局", "市住建局", "工业园区管委会", "市农业农村局", "市郊区工作办公室")
    ]
    assert items["3"].responsible_leader == (
        "市水务局、市生态环境局、市住建局、工业园区管委会、市农业农村局、市郊区工作办公室主要领导"
    )
    assert items["4"].responsible_units[3] == "市自然资源局"
    assert "酒钢(集团)公司" in items["25"].responsible_units
    assert items["24.2"].supervising_units == ["市生态环境保护督察整改办公室"]
    assert items["16"].supervising_units == ["市水污染防治领导小组办公室"]


def test_jiayuguan_deadlines(jiayuguan: ParsedLedger) -> None:
    items = by_number(jiayuguan)
    for number in ("1", "2", "3", "4", "5"):
        assert items[number].continuing
        assert items[number].deadline is None
    expected = {"14": 2020, "16": 2021, "24.1": 2020, "24.2": 2020, "25": 2021, "30": 2020, "37": 2021}
    for number, year in expected.items():
        assert items[number].deadline == date(year, 12, 31), number
        assert not items[number].continuing
    assert {item.start for item in jiayuguan.items} == {date(2020, 12, 16)}
    assert jiayuguan.plan_date == date(2020, 12, 16)


def test_jiayuguan_aspects_and_categories(jiayuguan: ParsedLedger) -> None:
    items = by_number(jiayuguan)
    first, second = items["24.1"], items["24.2"]
    assert first.problem.startswith("2016年国家下达2.1亿元")
    assert first.problem.endswith("存在风险隐患。")
    assert second.problem == "嘉峪关市民丰化工露天堆放铬污染渣土,占地约2000多平方米,无任何防护措施。"
    assert len(first.measures) == 3
    assert len(second.measures) == 4
    assert first.measures[0].text.startswith("严格按照项目实施方案")
    assert second.measures[3].text.startswith("加大日常督导检查力度")
    assert [len(i.measures) for i in jiayuguan.items][:5] == [4, 4, 3, 4, 3]
    first_round = {i.number for i in jiayuguan.items if i.category == "第一类例行督察指出问题"}
    assert first_round == {"1", "2", "3", "4", "5", "14", "16", "24.1", "24.2", "25"}
    assert {i.category for i in jiayuguan.items} - {"第一类例行督察指出问题"} == {"第二类专项督察指出问题"}


def test_jiayuguan_without_line_breaks(jiayuguan: ParsedLedger) -> None:
    flat = parse(JIAYUGUAN.read_text(encoding="utf-8").replace("\n", ""))

    def summary(result: ParsedLedger) -> list[tuple[object, ...]]:
        return [
            (
                *(i.number, i.title, i.category, i.deadline, i.continuing, i.responsible_units, i.lead_units),
                *(
                    i.supervising_units,
                    i.responsible_person,
                    len(i.measures),
                    len(i.targets),
                    i.problem,
                    i.start,
                ),
            )
            for i in result.items
        ]

    assert summary(flat) == summary(jiayuguan)
    assert flat.warnings == []

    # As copied from a PDF: every line wrapped at 38 characters, page numbers between the pages.
    lines = JIAYUGUAN.read_text(encoding="utf-8").split("\n")
    wrapped = [line[i : i + 38] for line in lines for i in range(0, max(len(line), 1), 38)]
    pages = [[*wrapped[n : n + 40], "", f"- {n // 40 + 1} -", ""] for n in range(0, len(wrapped), 40)]
    pdf = parse("\n".join(line for page in pages for line in page))
    assert summary(pdf) == summary(jiayuguan)
    assert pdf.warnings == []


PER_TARGET = """\
某市贯彻落实督察反馈意见整改方案
成文日期：2017年6月1日
附件：整改措施清单
一、第七项，饮用水水源地保护区内存在违规建设项目。部分项目至今未拆除。
原因分析：日常监管不到位，
巡查制度落实不力。
整改目标：1.完成保护区内违规项目清理；2.完成水源地规范化建设；3.建立长效监管机制；4.通过省级验收。
整改时限：第1、2、3项目标2017年9月30日；第4项目标2017年10月31日
牵头单位：市水务局
责任单位：市生态环境局、市自然资源局、
市城市管理综合
执法局
整改措施：
（一）开展排查，建立问题清单（2017 年 12 月 31 日）。
（二）依法拆除违规建筑，恢复原貌。(2017年12月底前)
（三）加强日常巡查，发现一起查处一起。
二、第八项，工业园区污水处理厂超标排放。
整改目标：污水处理厂稳定达标排放。
整改时限：2018年6月底前
责任单位：工业园区管委会
整改措施：1.完成提标改造，投资2.1亿元。2.安装在线监测设备。
"""


def test_per_target_deadlines_lead_units_cause_and_measure_dates() -> None:
    result = parse(PER_TARGET)
    assert result.plan_date == date(2017, 6, 1)
    items = by_number(result)
    assert list(items) == ["7", "8"]
    item = items["7"]
    assert item.start == date(2017, 6, 1)
    assert item.cause == "日常监管不到位，巡查制度落实不力。"
    assert [t.text for t in item.targets] == [
        *("完成保护区内违规项目清理", "完成水源地规范化建设", "建立长效监管机制", "通过省级验收。")
    ]
    assert [t.deadline for t in item.targets] == [date(2017, 9, 30)] * 3 + [date(2017, 10, 31)]
    assert item.deadline == date(2017, 10, 31)
    assert item.lead_units == ["市水务局"]
    assert item.responsible_units == ["市生态环境局", "市自然资源局", "市城市管理综合执法局"]
    assert [(m.text, m.due) for m in item.measures] == [
        ("开展排查，建立问题清单。", date(2017, 12, 31)),
        ("依法拆除违规建筑，恢复原貌。", date(2017, 12, 31)),
        ("加强日常巡查，发现一起查处一起。", None),
    ]
    assert item.location.line == 4
    second = items["8"]
    assert second.deadline == date(2018, 6, 30)
    assert second.targets[0].text == "污水处理厂稳定达标排放。"
    assert [m.text for m in second.measures] == ["完成提标改造，投资2.1亿元。", "安装在线监测设备。"]
    assert result.warnings == []


def test_page_numbers_and_plain_ordinals() -> None:
    text = (
        "(第一类例行督察指出问题)\n"
        "一、部分企业 - 12 - 未落实环评要求。\n"
        "整改目标：企业全部完成环评手续。\n"
        "整改时限：到2019年底\n"
        "责任单位：市生态环\n\n— 13 —\n\n境局\n"
        "二、城区扬尘污染突出。整改目标:扬尘得到有效控制。整改时限:2019年12月31日前 责任单位:市住建局"
    )
    items = by_number(parse(text))
    assert list(items) == ["1", "2"]
    assert items["1"].problem == "部分企业未落实环评要求。"
    assert items["1"].responsible_units == ["市生态环境局"]
    assert items["1"].deadline == date(2019, 12, 31)
    assert items["1"].category == "第一类例行督察指出问题"
    assert items["1"].start == DEFAULT_START
    assert items["2"].deadline == date(2019, 12, 31)
    assert items["2"].responsible_units == ["市住建局"]


def test_unknown_deadline_is_a_warning_and_continuing() -> None:
    text = "一、第一项，问题。\n整改目标：解决问题。\n整改时限：视情况而定\n责任单位：市住建局\n"
    result = parse(text)
    item = result.items[0]
    assert item.continuing
    assert item.deadline is None
    assert item.deadline_text == "视情况而定"
    assert codes(result) == ["unknown_deadline"]
    note = result.warnings[0]
    assert (note.location.line, note.item, note.field, note.params) == (
        *(3, "1", "deadline_text", (("text", "视情况而定"),)),
    )


def test_unsupported_and_unassigned_text_are_reported() -> None:
    text = (
        "一、第一项，问题一。\n整改目标：目标。\n整改时限：2020年底\n责任单位：市住建局\n配合单位：市财政局\n"
        "二、第二项，问题二。\n以上问题分2个方面进行整改：\n说明文字。\n"
        "（一）方面一。\n整改目标：目标一。\n整改时限：2020年底\n责任单位：市水务局\n"
        "整改措施：（一）措施一。（二）措施二。\n"
        "（二）方面二。\n整改目标：目标二。\n整改时限：2021年6月底前\n责任单位：市水务局\n"
    )
    result = parse(text)
    assert [i.number for i in result.items] == ["1", "2.1", "2.2"]
    assert codes(result) == ["unsupported_field", "unassigned_text"]
    assert dict(result.warnings[0].params) == {"label": "配合单位", "text": "市财政局"}
    assert result.warnings[1].location.line == 8
    items = by_number(result)
    assert len(items["2.1"].measures) == 2
    assert items["2.2"].deadline == date(2021, 6, 30)


PARAGRAPHS = """\
某县贯彻落实督察反馈意见整改方案
2021年3月5日
一、总体要求
按照要求，结合实际，制定本方案。
二、整改任务
1.加快推进污水管网建设。到2020年底，城市建成区污水基本实现全收集。（责任单位：县住建局、县城管局）
2.开展饮用水水源地专项整治，9月底前完成保护区标志设置。(牵头单位:县生态环境局;责任单位:县水务局)
3.截至2018年年底仍有锅炉未淘汰，2020年6月底前全部拆除。（责任单位：县市场监管局、县能源（煤炭）中心；配合单位：各乡镇）
4.加强环境宣传教育。（责任单位：县委宣传部）
"""


def test_paragraphs_ending_in_responsible_units() -> None:
    result = parse(PARAGRAPHS)
    assert result.plan_date == date(2021, 3, 5)
    items = by_number(result)
    assert list(items) == ["1", "2", "3", "4"]
    assert items["1"].problem == "加快推进污水管网建设。到2020年底，城市建成区污水基本实现全收集。"
    assert items["1"].title == "加快推进污水管网建设"
    assert items["1"].responsible_units == ["县住建局", "县城管局"]
    assert items["1"].deadline == date(2020, 12, 31)
    assert items["2"].deadline == date(2021, 9, 30)
    assert items["2"].deadline_text == "9月底前"
    assert items["2"].lead_units == ["县生态环境局"]
    assert items["2"].responsible_units == ["县水务局"]
    assert items["3"].deadline == date(2020, 6, 30)
    assert items["3"].responsible_units == ["县市场监管局", "县能源（煤炭）中心"]
    assert items["4"].deadline is None
    assert not items["4"].continuing
    assert {i.start for i in result.items} == {date(2021, 3, 5)}
    assert codes(result) == ["unsupported_field", "no_deadline"]
    assert dict(result.warnings[0].params) == {"label": "配合单位", "text": "各乡镇"}
    assert (result.warnings[1].item, result.warnings[1].location.line) == ("4", 9)


def test_docx(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("某市整改措施清单")
    document.add_paragraph("发布时间：2022年1月10日")
    document.add_paragraph("（第一类例行督察指出问题）")
    document.add_paragraph("一、第三项，河道两岸垃圾堆放。")
    document.add_paragraph("整改目标：清理全部垃圾。")
    document.add_paragraph("整改时限：2022年3月底前")
    row = document.add_table(rows=1, cols=2).rows[0]
    row.cells[0].text = "责任单位：市城管局、"
    row.cells[1].text = "市水务局"
    document.add_paragraph("整改措施：")
    document.add_paragraph("（一）全面清理。")
    document.add_paragraph("（二）建立巡查制度。")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    text = read_docx(path).text
    assert text.splitlines()[6:8] == ["责任单位：市城管局、", "市水务局"]
    result = parse(text)
    item = result.items[0]
    assert (item.number, item.category, item.deadline, item.start) == (
        *("3", "第一类例行督察指出问题", date(2022, 3, 31), date(2022, 1, 10)),
    )
    assert item.responsible_units == ["市城管局", "市水务局"]
    assert len(item.measures) == 2


@pytest.mark.parametrize(
    "text",
    [
        "今天天气很好。\n我们去公园散步。\n一、买菜\n二、做饭\n",
        # Openings of published plans: their sections (指导思想, 整改原则, 主要目标 …) are not items.
        (SAMPLES / "changde-2021-plan-opening.txt").read_text(encoding="utf-8"),
        (SAMPLES / "suining-2019-plan-opening.txt").read_text(encoding="utf-8"),
        random.Random(0).randbytes(4000).decode("utf-8", errors="replace"),
        random.Random(1).randbytes(4000).decode("gb18030", errors="replace"),
        "",
    ],
)
def test_not_a_plan(text: str) -> None:
    result = parse(text)
    assert result.items == []
    assert [n.code for n in result.errors] == ["no_items"]
    assert result.warnings == []


def test_looks_like_plan() -> None:
    assert looks_like_plan(JIAYUGUAN.read_text(encoding="utf-8"))
    assert looks_like_plan(PARAGRAPHS)
    assert not looks_like_plan("今天天气很好。")


def test_dates() -> None:
    assert parse_chinese_date("2017年9月30日") == date(2017, 9, 30)
    assert parse_chinese_date("2017 年 12 月 31 日") == date(2017, 12, 31)
    assert parse_chinese_date("2020年12月31日前") == date(2020, 12, 31)
    assert parse_chinese_date("2020年2月底前") == date(2020, 2, 29)
    assert parse_chinese_date("到2020年底") == date(2020, 12, 31)
    assert parse_chinese_date("2020年年底") == date(2020, 12, 31)
    assert parse_chinese_date("9月底前", 2020) == date(2020, 9, 30)
    assert parse_chinese_date("9月底前") is None
    assert parse_chinese_date("2020-12-16") == date(2020, 12, 16)
    assert parse_chinese_date("二〇二〇年十二月十六日") == date(2020, 12, 16)
    assert parse_chinese_date("立行立改") is None
    assert chinese_number("二十四") == 24
    assert chinese_number("一百零二") == 102
    assert chinese_number("十") == 10


def test_deadline_expressions() -> None:
    continuing = parse_deadline_expression("长期开展")
    assert continuing.continuing
    assert continuing.dates == ()
    per_target = parse_deadline_expression("第1-2项目标2017年9月30日;第3项目标2017年10月31日")
    assert per_target.per_target == ((1, date(2017, 9, 30)), (2, date(2017, 9, 30)), (3, date(2017, 10, 31)))
    assert not parse_deadline_expression("视情况而定").recognized
    assert parse_deadline_expression("持续推进，2021年6月底前完成").dates == (date(2021, 6, 30),)


def test_split_units() -> None:
    assert split_units("市工信局、酒钢(集团)公司") == ["市工信局", "酒钢(集团)公司"]
    assert split_units("市生态环境保护督察整改办公室、") == ["市生态环境保护督察整改办公室"]
    assert split_units("市水务局，市住建局;工业园区\n\n管委会；县政府（县委、县政府办）") == [
        *("市水务局", "市住建局", "工业园区管委会", "县政府（县委、县政府办）")
    ]
    assert split_units(" ") == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("code", sorted(NOTE_PARAMS))
def test_every_note_has_a_template(locale: str, code: str) -> None:
    renderer = Renderer(build_environment(), ZoneInfo("Asia/Shanghai"))
    params = tuple((name, "x") for name in NOTE_PARAMS[code])
    placed = ImportNote(code, Location(line=12), item="24.1", field="deadline_text", params=params)
    # Every note but no_items (which concerns the whole file) says where it is.
    assert code == "no_items" or "12" in renderer.note(locale, placed)
    assert renderer.note(locale, ImportNote(code, params=params))


def test_items_numbered_1_and_the_plans_own_numbers_kept() -> None:
    text = (
        "某县整改方案\n成文日期：2021年3月1日\n一、指导思想\n1、坚持问题导向。\n二、整改任务\n"
        "3、清理河道垃圾，年底前完成。（责任单位：县水务局）\n"
        "4、整治城区扬尘，9月底前完成。（责任单位：县住建局）\n"
        "7、规范危废贮存，2022年6月底前完成。（责任单位：县生态环境分局）\n"
    )
    result = parse(text)
    # Numbered as the plan numbers them, once its run is broken (3, 4, then 7): gaps are the plan's.
    assert [i.number for i in result.items] == ["3", "4"] or [i.number for i in result.items] == [
        "3",
        "4",
        "7",
    ]
    items = by_number(result)
    assert items["3"].deadline == date(2021, 12, 31)
    assert items["4"].deadline == date(2021, 9, 30)
    # 指导思想's "1、坚持问题导向" is the plan's own section, never an item.
    assert all("坚持问题导向" not in i.problem for i in result.items)


def test_a_label_inside_a_measure_is_its_text_and_a_unit_list_ends_at_the_next_item() -> None:
    text = (
        "附件：整改措施清单 一、城区燃煤锅炉未拆除。整改目标：全部拆除。整改时限：2017年10月底前 "
        "责任单位：市住建局、市环保局 整改措施：1.逐台登记。责任单位：市住建局 2.依法查处。"
        "二、工地扬尘突出。整改目标：落实防治措施。整改时限：2017年12月底前 责任单位：市城管局"
        "三、河道垃圾堆放。整改目标：清理垃圾。整改时限：2018年6月底前 责任单位：市水务局"
    )
    result = parse(text)
    items = by_number(result)
    assert list(items) == ["1", "2", "3"]
    assert [m.text for m in items["1"].measures] == ["逐台登记。责任单位：市住建局", "依法查处。"]
    assert items["1"].responsible_units == ["市住建局", "市环保局"]
    assert items["2"].responsible_units == ["市城管局"]
    assert "duplicate_field" not in codes(result)


def test_a_placeholder_date_is_flagged_and_the_year_comes_from_the_deadlines() -> None:
    text = (
        "某市整改方案\n某市人民政府\n20XX年9月11日\n附件\n"
        "一、问题一。\n整改目标：目标一。\n整改时限：2017年12月底前\n责任单位：市住建局\n"
        "整改措施：1.9月底前完成排查。\n"
    )
    result = parse(text)
    assert codes(result)[0] == "placeholder_date"
    assert dict(result.warnings[0].params) == {"text": "20XX年9月11日", "start": DEFAULT_START.isoformat()}
    assert result.warnings[0].location.line == 3
    (item,) = result.items
    assert item.start == DEFAULT_START
    assert item.measures[0].due == date(2017, 9, 30)  # the plan's year, not the import's


def test_no_year_anywhere_is_flagged() -> None:
    text = "某县整改方案\n二、整改任务\n1.清理河道垃圾，9月底前完成。（责任单位：县水务局）\n"
    result = parse(text)
    assert codes(result) == ["no_plan_year"]
    assert dict(result.warnings[0].params) == {"year": str(DEFAULT_START.year)}
    assert result.items[0].deadline == date(DEFAULT_START.year, 9, 30)


def test_the_plan_wide_deadline_applies_to_tasks_without_their_own() -> None:
    text = (
        "某县整改方案\n成文日期：2021年3月1日\n一、工作目标\n力争到2021年底前完成全部整改任务。\n二、整改任务\n"
        "1.清理河道垃圾，6月底前完成。（责任单位：县水务局）\n2.加强宣传教育。（责任单位：县委宣传部）\n"
        "3.加强执法监管，长期坚持。（责任单位：县生态环境分局）\n"
    )
    result = parse(text)
    items = by_number(result)
    assert items["1"].deadline == date(2021, 6, 30)
    assert items["2"].deadline == date(2021, 12, 31)
    assert items["2"].deadline_text == "2021年底前"
    assert items["3"].continuing
    assert items["3"].deadline is None
    assert [(n.code, n.item) for n in result.warnings] == [("plan_wide_deadline", "2")]


def test_tasks_without_units_or_dates_come_in() -> None:
    text = "某市生态环境保护规划\n成文日期：2021年5月1日\n三、主要任务\n（一）推进绿色发展。\n（二）改善环境质量。\n四、保障措施\n（一）加强领导。\n"
    result = parse(text)
    assert [(i.number, i.title, i.responsible_units) for i in result.items] == [
        ("1", "推进绿色发展", []),
        ("2", "改善环境质量", []),
    ]
    assert codes(result) == ["no_deadline", "no_deadline"]


def test_a_tasks_own_words_are_not_the_plan_wide_deadline() -> None:
    text = (
        "某县整改方案\n成文日期：2021年3月1日\n二、整改任务\n"
        "1.整治入河排污口，2021年6月底前全部整改到位。（责任单位：县水务局）\n2.加强宣传教育。（责任单位：县委宣传部）\n"
    )
    result = parse(text)
    assert by_number(result)["2"].deadline is None
    assert codes(result) == ["no_deadline"]
