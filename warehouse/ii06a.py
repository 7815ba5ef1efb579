"""Report form II.06a ("Biểu số II.06a/VPCP/KSTT"): one workbook per unit and period, and a province roll-up.

The form of Circular 01/2018/TT-VPCP (23/11/2018) on the situation and results of handling
administrative procedures (tình hình, kết quả giải quyết TTHC) at the unit that handles them. Its columns,
as the DVCAPI client renders them (`smartkios_client/.../BaoCao06a/BaoCao06a.tsx`, see
/work/shared/reference/domain-facts.md §3.2): received — total, carried over from the previous period,
newly received online, newly received direct or by public postal service; resolved — total, early
(trước hạn), on time (đúng hạn), late (quá hạn); in progress — total, within deadline (trong hạn),
overdue (quá hạn). Rows are the procedures' fields (lĩnh vực) under a total row.

Numbers come from `rpt_dossier_period` (total row, and the province roll-up) and
`rpt_procedure_period` (field rows); nothing is recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

SCHEMA = "marts"
FORM_CODE = "Biểu số II.06a/VPCP/KSTT"
FORM_BASIS = "Ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ"
TITLE = ("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH "
         "TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
UNIT_OF_COUNT = "Đơn vị tính: Số hồ sơ TTHC"
LEVEL_NAMES = {"district": "Cấp huyện", "ward": "Cấp xã"}
UNIT_FORMS_AT_PUBLISH = ("quarter",)

# The form's figure columns (3)–(13), each as an expression over the II.06a marts.
FIGURES: tuple[tuple[str, str], ...] = (
    ("received_total", "carried_over + received_new"),
    ("carried_over", "carried_over"),
    ("received_online", "received_online"),
    ("received_direct_postal", "received_direct + received_postal"),
    ("resolved_total", "resolved_total"),
    ("resolved_early", "resolved_early"),
    ("resolved_on_time", "resolved_on_time"),
    ("resolved_late", "resolved_late"),
    ("in_progress_total", "in_progress_total"),
    ("in_progress_within_deadline", "in_progress_within_deadline"),
    ("in_progress_overdue", "in_progress_overdue"),
)
HEADER_TOP, HEADER_ROWS, FIRST_DATA_ROW = 6, 4, 10  # rows 6–8 headings, row 9 column numbers
LAST_COL = 2 + len(FIGURES)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Period:
    period_type: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """The period as reports name it, e.g. "Quý I năm 2024", "7 tháng đầu năm 2024"."""
        y = self.end.year
        name = {
            "month": f"Tháng {self.end.month} năm {y}",
            "quarter": f"Quý {('I', 'II', 'III', 'IV')[(self.end.month - 1) // 3]} năm {y}",
            "half": f"6 tháng {'đầu' if self.end.month <= 6 else 'cuối'} năm {y}",
            "ytd": f"{self.end.month} tháng đầu năm {y}",
            "year": f"Năm {y}",
        }[self.period_type]
        return f"Kỳ báo cáo: {name} (từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y})"

    @property
    def slug(self) -> str:
        return f"{self.period_type}_{self.start:%Y%m%d}_{self.end:%Y%m%d}"


def _figures_sql(aggregate: bool) -> str:
    return ", ".join(f"sum({expr})::bigint" if aggregate else expr for _, expr in FIGURES)


def unit_names(con, on: date) -> dict[str, str]:
    """Every unit's name valid on the date, in one query (one query per name cost 0.5 s of a publication at
    10M dossiers: 355 names in 55 forms)."""
    return dict(con.execute(
        f"select unit_code, first(unit_name) from {SCHEMA}.dim_admin_unit where ? between "
        "coalesce(valid_from, date '0001-01-01') and coalesce(valid_to, date '9999-12-31') group by unit_code",
        [on]).fetchall())


def _unit_name(names: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return f"{names[code]} ({code})" if code in names else code


def _units_with_province(period: Period) -> str:
    """Every II.06a row of the period with the province it belongs to (parent, or the parent's parent)."""
    return f"""
        select r.*, case when pu.level = 'province' then r.parent_unit_code else pu.parent_code end as province_code
        from {SCHEMA}.rpt_dossier_period r
        left join {SCHEMA}.dim_admin_unit pu on pu.unit_code = r.parent_unit_code
          and r.period_end between coalesce(pu.valid_from, date '0001-01-01') and coalesce(pu.valid_to, date '9999-12-31')
        where r.period_type = '{period.period_type}' and r.period_start = date '{period.start}'
          and r.period_end = date '{period.end}'"""


def unit_rows(con, unit_code: str, handling_level: str, period: Period) -> list[tuple]:
    """(STT, label, figures…) of one unit's form: the total row, then one row per procedure field."""
    where = ("unit_code = ? and handling_level = ? and period_type = ? and period_start = ? and period_end = ?",
             [unit_code, handling_level, period.period_type, period.start, period.end])
    total = con.execute(f"select {_figures_sql(False)} from {SCHEMA}.rpt_dossier_period where {where[0]}",
                        where[1]).fetchone()
    if total is None:
        raise LookupError(f"rpt_dossier_period has no row for unit {unit_code} ({handling_level}), {period}")
    fields = con.execute(
        f"select coalesce(p.field_name, 'Lĩnh vực chưa xác định'), {_figures_sql(True)} "
        f"from {SCHEMA}.rpt_procedure_period r left join {SCHEMA}.dim_procedure p using (procedure_code) "
        f"where {where[0].replace('unit_code', 'r.unit_code')} group by 1 order by 1", where[1]).fetchall()
    return [("", "Tổng số", *total)] + [(str(i), name, *figs) for i, (name, *figs) in enumerate(fields, start=1)]


def province_rows(con, province_code: str, period: Period, names: dict[str, str] | None = None) -> list[tuple]:
    """(STT, label, figures…) of the province roll-up: total, then per level its sum and its units."""
    names = unit_names(con, period.end) if names is None else names
    base = _units_with_province(period) + " and province_code = ?"
    total = con.execute(f"select {_figures_sql(True)} from ({base})", [province_code]).fetchone()
    rows = [("", "Tổng số", *total)]
    for roman, level in zip(("I", "II"), LEVEL_NAMES, strict=True):
        level_total = con.execute(f"select {_figures_sql(True)} from ({base}) where handling_level = ?",
                                  [province_code, level]).fetchone()
        units = con.execute(f"select unit_code, {_figures_sql(False)} from ({base}) where handling_level = ? "
                            "order by unit_code", [province_code, level]).fetchall()
        if not units:
            continue
        rows.append((roman, LEVEL_NAMES[level], *level_total))
        rows += [(str(i), _unit_name(names, code), *figs)
                 for i, (code, *figs) in enumerate(units, start=1)]
    return rows


def _merge(ws, cells: str, value: str, *, bold: bool = False, align: str = "center") -> None:
    ws.merge_cells(cells)
    cell = ws[cells.split(":")[0]]
    cell.value = value
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    if bold:
        cell.font = BOLD


def _header(ws, reporter: str, receiver: str, period: Period) -> None:
    last = get_column_letter(LAST_COL)
    _merge(ws, "A1:E1", FORM_CODE, bold=True, align="left")
    _merge(ws, "A2:E2", FORM_BASIS, align="left")
    _merge(ws, f"I1:{last}1", f"Đơn vị báo cáo: {reporter}", align="left")
    _merge(ws, f"I2:{last}2", f"Đơn vị nhận báo cáo: {receiver}", align="left")
    _merge(ws, f"A3:{last}3", TITLE, bold=True)
    _merge(ws, f"A4:{last}4", period.label)
    _merge(ws, f"A5:{last}5", UNIT_OF_COUNT, align="right")
    heads = [("A6:A8", "STT"), ("B6:B8", "Lĩnh vực, công việc giải quyết theo cấp"),
             ("C6:F6", "Số hồ sơ nhận giải quyết"), ("C7:C8", "Tổng số"), ("D7:F7", "Trong đó"),
             ("G6:M6", "Kết quả giải quyết"), ("G7:J7", "Số hồ sơ đã giải quyết"),
             ("K7:M7", "Số hồ sơ đang giải quyết")]
    for cells, text in heads:
        _merge(ws, cells, text, bold=True)
    for col, text in zip("DEFGHIJKLM", ("Số kỳ trước chuyển qua", "Số mới tiếp nhận trực tuyến",
                                        "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính công ích", "Tổng số",
                                        "Trả trước hạn", "Trả đúng hạn", "Trả quá hạn", "Tổng số", "Trong hạn",
                                        "Quá hạn"), strict=True):
        ws[f"{col}8"] = text
        ws[f"{col}8"].font, ws[f"{col}8"].alignment = BOLD, Alignment(horizontal="center", vertical="center",
                                                                      wrap_text=True)
    for col in range(1, LAST_COL + 1):
        ws.cell(row=9, column=col, value=f"({col})").alignment = Alignment(horizontal="center")
        for row in range(HEADER_TOP, HEADER_TOP + HEADER_ROWS):
            ws.cell(row=row, column=col).border = BOX
    ws.row_dimensions[8].height = 78
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 36
    for col in range(3, LAST_COL + 1):
        ws.column_dimensions[get_column_letter(col)].width = 13


def _body(ws, rows: list[tuple]) -> None:
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BOX
            if c > 2:
                cell.number_format = "#,##0"
            if row[0] in ("", "I", "II"):
                cell.font = BOLD
    footer = FIRST_DATA_ROW + len(rows) + 1
    ws.cell(row=footer, column=2, value="Người lập biểu").font = BOLD
    ws.cell(row=footer, column=10, value="Thủ trưởng đơn vị").font = BOLD
    ws.cell(row=footer + 1, column=2, value="(Ký, ghi rõ họ tên)")
    ws.cell(row=footer + 1, column=10, value="(Ký tên, đóng dấu)")
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.print_options.horizontalCentered = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # one page wide, as many pages tall as needed
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{HEADER_TOP}:{FIRST_DATA_ROW - 1}"


def write_form(target: Path, rows: list[tuple], reporter: str, receiver: str, period: Period) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "II.06a"
    _header(ws, reporter, receiver, period)
    _body(ws, rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def write_period(con: duckdb.DuckDBPyConnection, period: Period, out: Path, *, units_too: bool = True) -> list[Path]:
    """Each province's roll-up for the period and, with `units_too`, every unit's own form."""
    folder = out / period.slug
    written = []
    units = con.execute(f"select unit_code, handling_level, parent_unit_code, province_code "
                        f"from ({_units_with_province(period)}) order by all").fetchall()
    names = unit_names(con, period.end)
    for unit_code, level, parent, _ in units if units_too else ():
        rows = unit_rows(con, unit_code, level, period)
        written.append(write_form(folder / f"{unit_code}_{level}.xlsx", rows,
                                  f"{_unit_name(names, unit_code)} – {LEVEL_NAMES[level]}",
                                  _unit_name(names, parent), period))
    for province in sorted({p for *_, p in units if p is not None}):
        written.append(write_form(folder / f"province_{province}.xlsx", province_rows(con, province, period, names),
                                  _unit_name(names, province), "Văn phòng Chính phủ", period))
    return written


def latest_periods(con: duckdb.DuckDBPyConnection) -> list[Period]:
    """The most recent period of each type in the release (the reports due now)."""
    return [Period(t, s, e) for t, s, e in con.execute(
        f"select period_type, max_by(period_start, period_end), max(period_end) from {SCHEMA}.rpt_dossier_period "
        "group by 1 order by 1").fetchall()]


def write_latest(con: duckdb.DuckDBPyConnection, out: Path) -> list[Path]:
    """At publication: the roll-ups of the latest period of each type, and every unit's form for the latest
    quarter (one small workbook per unit costs ~0.1 s; all units × all period types would slow every
    publication). Any other period: `python -m warehouse.ii06a`."""
    return [path for period in latest_periods(con)
            for path in write_period(con, period, out, units_too=period.period_type in UNIT_FORMS_AT_PUBLISH)]


def main(argv: list[str] | None = None) -> None:
    import argparse

    from cchc.settings import Settings
    from warehouse.publish import published_path

    parser = argparse.ArgumentParser(prog="python -m warehouse.ii06a",
                                     description="Write the II.06a workbooks of one period from the published warehouse.")
    parser.add_argument("--period-type", required=True, choices=["month", "quarter", "half", "ytd", "year"])
    parser.add_argument("--period-end", required=True, type=date.fromisoformat, help="e.g. 2024-03-31")
    parser.add_argument("--out", type=Path, default=Path("ii06a"))
    args = parser.parse_args(argv)
    con = duckdb.connect(str(published_path(Settings.from_env())), read_only=True)
    try:
        row = con.execute(f"select min(period_start) from {SCHEMA}.rpt_dossier_period where period_type = ? "
                          "and period_end = ?", [args.period_type, args.period_end]).fetchone()
        if row[0] is None:
            raise SystemExit(f"rpt_dossier_period has no {args.period_type} ending {args.period_end}")
        for path in write_period(con, Period(args.period_type, row[0], args.period_end), args.out):
            print(path)
    finally:
        con.close()


if __name__ == "__main__":
    main()
