"""How the Office and PDF plans of this folder were made (run once; the files are committed).

    python -m venv /tmp/gen && /tmp/gen/bin/pip install python-docx openpyxl fpdf2 xlwt
    /tmp/gen/bin/python tests/data/plans/make_office_samples.py FONT.ttf

FONT.ttf: a font with Chinese characters (the PDF embeds it, so that its text layer is real text). The
contents are written as officials' documents have them; their expected results (`*.expected.json`) were
written by reading the documents, not by running the importer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
import xlwt
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

TABLE_HEADER = ["序号", "责任单位", "问题", "整改目标", "整改措施", "责任领导", "整改时限", "督导单位"]
# One finding over two rows (序号 and 问题 merged), a heading row, a header repeated after a page break.
TABLE_ROWS = [
    ["第一类 例行督察指出问题"] * 8,
    ["1", "区住建局", "城区建筑工地扬尘管控不到位，部分工地未落实围挡、覆盖、冲洗等措施。",
     "建筑工地全面落实扬尘防治措施。", "开展建筑工地扬尘专项检查，建立问题清单。", "区住建局主要领导",
     "2021年6月底前", "区督察整改办公室"],
    ["1", "区城管局", "城区建筑工地扬尘管控不到位，部分工地未落实围挡、覆盖、冲洗等措施。",
     "建筑工地全面落实扬尘防治措施。", "对渣土运输车辆实行全密闭运输。", "区城管局主要领导", "2021年9月底前",
     "区督察整改办公室"],
    ["2", "区水务局、区生态环境分局", "部分入河排污口未完成规范化整治。", "完成全区入河排污口排查整治。",
     "1.开展入河排污口排查，建立台账。\n2.对非法排污口依法取缔。", "区水务局主要领导", "立行立改、长期坚持",
     "区督察整改办公室"],
    TABLE_HEADER,
    ["3", "住建局", "老旧小区雨污分流改造进展缓慢。", "完成12个老旧小区雨污分流改造。", "倒排工期，按月调度改造进度。",
     "区住建局主要领导", "2021年底前", "区督察整改办公室"],
    ["4", "各街道办事处", "背街小巷生活垃圾乱堆乱放问题突出。", "建立背街小巷保洁长效机制。",
     "落实门前三包责任，开展常态化巡查。", "各街道主要领导", "2022年6月30日", "区督察整改办公室"],
]  # fmt: skip


def _repeat_header(row: object) -> None:
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def word_table() -> None:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    document.add_paragraph("××区贯彻落实环境保护督察反馈意见整改措施清单")
    document.add_paragraph("2021年3月10日")
    table = document.add_table(rows=1 + len(TABLE_ROWS), cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for column, title in enumerate(TABLE_HEADER):
        table.cell(0, column).text = title
    _repeat_header(table.rows[0])
    for r, row in enumerate(TABLE_ROWS, start=1):
        if len(set(row)) == 1:
            table.cell(r, 0).merge(table.cell(r, len(TABLE_HEADER) - 1)).text = row[0]
            continue
        for column, text in enumerate(row):
            table.cell(r, column).text = text
    # The finding of rows 2 and 3 is one: its number and problem cells merged; the supervising unit too.
    for column in (0, 2, 3):
        text = table.cell(2, column).text
        table.cell(2, column).merge(table.cell(3, column)).text = text
    supervising = table.cell(2, 7).merge(table.cell(4, 7))
    supervising.text = "区督察整改办公室"
    document.save(str(HERE / "district-2021-table.docx"))


LEDGER_TOP = ["序号", "问题描述", "整改措施", "责任主体", "责任主体", "整改时限"]
LEDGER_SUB = ["", "", "", "牵头单位", "责任单位", ""]
LEDGER_ROWS = [
    ["1", "县城污水处理厂出水总磷超标。", "1.实施提标改造。\n2.加强运行监管。", "县住建局", "县生态环境分局",
     "2021年10月底前"],
    ["2", "部分乡镇垃圾中转站渗滤液直排。", "新建渗滤液收集池。", "县城管局", "各乡镇人民政府", "2021年6月30日"],
    ["2", "部分乡镇垃圾中转站渗滤液直排。", "渗滤液统一拉运至污水处理厂处理。", "县城管局", "县住建局",
     "2021年8月31日"],
    ["3", "畜禽养殖废弃物资源化利用率偏低。", "推广粪污就地还田。", "县农业农村局", "", "年底前"],
]  # fmt: skip


def ledger_xlsx() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["××县突出环境问题整改台账（2021年）"])
    sheet.merge_cells("A1:F1")
    sheet.append(LEDGER_TOP)
    sheet.append(LEDGER_SUB)
    sheet.merge_cells("D2:E2")
    for column in "ABCF":
        sheet.merge_cells(f"{column}2:{column}3")
    for row in LEDGER_ROWS:
        sheet.append(row)
    # Finding 2 over two rows: its number, problem and lead unit cells merged.
    for column in "ABD":
        sheet[f"{column}6"] = None
        sheet.merge_cells(f"{column}5:{column}6")
    workbook.save(HERE / "county-2021-ledger.xlsx")


def ledger_xls() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write_merge(0, 0, 0, 5, "××县突出环境问题整改台账（2021年）")
    for column, title in enumerate(LEDGER_TOP):
        if column in (3, 4):
            continue
        sheet.write_merge(1, 2, column, column, title)
    sheet.write_merge(1, 1, 3, 4, "责任主体")
    sheet.write(2, 3, "牵头单位")
    sheet.write(2, 4, "责任单位")
    for r, row in enumerate(LEDGER_ROWS, start=3):
        for column, text in enumerate(row):
            if r == 5 and column in (0, 1, 3):
                continue
            if r == 4 and column in (0, 1, 3):
                sheet.write_merge(4, 5, column, column, text)
                continue
            sheet.write(r, column, text)
    book.save(str(HERE / "county-2021-ledger.xls"))


PDF_TEXT = """××市贯彻落实中央生态环境保护督察反馈意见整改方案
成文日期：2019年5月20日
附件
整改措施清单
一、第三项，城市建成区黑臭水体整治不彻底，部分水体返黑返臭。
整改目标：城市建成区黑臭水体基本消除，长制久清。
整改时限：2020年底前
责任单位：市住房和城乡建设局、市水务局、各区人民政府
督导单位：市整改办
整改措施：
（一）开展黑臭水体排查，逐一制定整治方案。
（二）实施截污纳管和清淤疏浚工程（2019年12月31日前）。
（三）建立河湖长巡查制度，防止返黑返臭。
二、第七项，工业园区环境风险防控体系不健全。
整改目标：园区建成环境风险预警体系。
整改时限：2019年12月底前
牵头单位：市生态环境局
责任单位：市工信局、市应急管理局
整改措施：
（一）编制园区突发环境事件应急预案。
（二）建设园区有毒有害气体预警监测系统。
三、第十二项，农村生活污水治理滞后。
整改目标：完成40个行政村生活污水治理。
整改时限：第1项目标2020年6月30日
责任单位：市农业农村局、市生态环境局
整改措施：
（一）编制农村生活污水治理专项规划。
（二）分年度实施治理工程，每季度调度一次进展。
"""


def plan_pdf(font: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font))
    pdf.set_auto_page_break(auto=True, margin=30)
    pdf.set_margins(28, 37, 26)

    def footer() -> None:
        pdf.set_y(-25)
        pdf.cell(0, 10, f"- {pdf.page_no()} -", align="C")

    pdf.footer = footer
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    for line in PDF_TEXT.splitlines():
        pdf.multi_cell(0, 9, line or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(HERE / "city-2019-plan.pdf"))


if __name__ == "__main__":
    word_table()
    ledger_xlsx()
    ledger_xls()
    plan_pdf(Path(sys.argv[1]))
