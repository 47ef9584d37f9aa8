"""Deterministic generator of the bundled sample region 示例区 (370399), shaped like Zhoucun's 2022 ledgers.

Writes every raw ledger of the contract (shared/ledgers.md) into `<out>/370399/` with seeded defects, and returns a
manifest (defects with file, sheet, row, column and value; row counts). Same seed → byte-identical files.

    python -m synth.sample [--out data_raw] [--seed 2022]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.writer.excel import ExcelWriter

# ---------------------------------------------------------------------------------------------------- constants

REGION_CODE = "370399"
REGION_NAME = "示例区"
SERVICE_START = dt.date(2022, 6, 1)
PROJECT_END = dt.date(2022, 12, 31)
MONTHS = tuple(f"2022-{m:02d}" for m in range(6, 13))
FIXED_TIME = dt.datetime(2023, 1, 1)  # workbook created/modified
ZIP_TIME = (2023, 1, 1, 0, 0, 0)  # timestamps of the entries inside an xlsx
BED_CAP_YUAN = 2500

# id, name, number of elders, contract signed (as written), contract amount (as written), yuan, planned completion
INSTITUTIONS = (
    ("JG001", "示例区颐康居家养老服务中心", 95, dt.date(2022, 2, 11), "65.124万元", 651240.00, dt.date(2022, 2, 28)),
    ("JG002", "示例区福寿康养护理院", 90, "2022年2月11日", "629,728.00", 629728.00, dt.date(2022, 2, 28)),
    ("JG003", "示例区康乐幸福苑", 85, "2022/02/14", "507,220.00", 507220.00, dt.date(2022, 3, 31)),
)
CAREGIVERS_PER_INSTITUTION = 15  # C001–C015 at JG001, C016–C030 at JG002, C031–C045 at JG003
SERVICE_TYPE_COUNTS = (("家庭养老床位", 90), ("两者", 170), ("居家上门服务", 10))
SELF_FUNDED_HOME_ONLY = 8  # 社会化 elders: home-visit-only elders an institution serves at its own cost

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
MALE_CHARS = "建国军明华强志伟德福贵成林海涛平安庆祥春生永富宝山清文俊传广洪振学忠义"
FEMALE_CHARS = "秀英兰芳桂珍玉凤翠花梅淑华荣琴霞云丽娟芝素敏香菊萍爱莲月"
TOWNSHIPS = ("城东街道", "城西街道", "北关街道", "东湖镇", "西山镇", "南河镇", "青石镇")
HARDSHIP = (("低保", 55), ("低保边缘", 20), ("特困", 15), ("低收入", 10))
ABILITY = (("轻度失能", 25), ("中度失能", 36), ("重度失能", 26), ("完全失能", 13))
SERVICE_ITEMS = (("生活照料", 30), ("基础照护", 20), ("医疗护理", 10), ("健康管理", 15), ("康复辅助", 10),
                 ("心理支持", 6), ("委托代办", 5), ("其他", 4))
SLOTS = ((8, 0), (10, 0), (14, 0), (16, 0))  # start windows: a visit starts ≤25 min late and lasts ≤90 min
BED_ITEMS = (  # category, item, unit price (yuan), maximum quantity
    ("适老化改造", "地面防滑处理", 680.0, 1), ("适老化改造", "卫生间扶手", 150.0, 3), ("适老化改造", "床边护栏", 320.0, 1),
    ("适老化改造", "门槛移除及坡道", 520.0, 1), ("适老化改造", "感应夜灯", 45.0, 4), ("适老化改造", "淋浴椅", 180.0, 1),
    ("智能化设备", "紧急呼叫按钮", 198.0, 2), ("智能化设备", "烟雾报警器", 129.0, 1), ("智能化设备", "燃气泄漏报警器", 168.0, 1),
    ("智能化设备", "智能床垫（离床监测）", 880.0, 1), ("智能化设备", "红外人体感应器", 156.0, 2), ("智能化设备", "智能网关", 299.0, 1),
    ("老年用品", "护理床", 1180.0, 1), ("老年用品", "防褥疮气垫", 420.0, 1), ("老年用品", "助行器", 180.0, 1),
    ("老年用品", "轮椅", 650.0, 1), ("老年用品", "坐便椅", 220.0, 1), ("老年用品", "多功能拐杖", 86.0, 1),
)
EVENT_NOTES = {"去世": ("病故", "家属告知病故", "因病去世"), "暂停": ("住院治疗，暂停服务", "到外地子女家居住，暂停服务"),
               "恢复": ("出院，恢复服务", "返回本地，恢复服务"), "迁出": ("随子女迁往外地",),
               "入住机构": ("入住示例区中心敬老院",), "终止": ("本人申请终止服务",)}
VISIT_HEADERS = ("服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长")
VISIT_HEADERS_REORDERED = ("服务对象编号", "服务记录编号", "服务项目", "签到时间", "签退时间", "服务时长", "护理员编号", "服务机构")
VISIT_REMARKS = ("家属在场", "电话预约后上门", "补录", "老人要求延长服务")
# month -> (format, CSV encoding, datetime spellings used in the file)
VISIT_FILES = {
    "2022-06": ("csv", "utf-8-sig", ("iso_seconds",)),
    "2022-07": ("csv", "gb18030", ("slash",)),
    "2022-08": ("xlsx", None, ("cell",)),
    "2022-09": ("csv", "utf-8", ("chinese",)),
    "2022-10": ("csv", "utf-8", ("iso_seconds", "slash")),
    "2022-11": ("csv", "utf-8", ("iso_seconds",)),
    "2022-12": ("csv", "utf-8", ("iso_minutes", "chinese")),
}
ELDER_HEADERS = ("服务对象编号", "身份证号", "姓名", "性别", "出生日期", "所属镇街", "经济困难类型", "能力等级", "服务机构",
                 "服务类型", "纳入日期", "社会化")
BED_HEADERS = ("服务对象编号", "服务机构", "计划完成日期", "实际开工日期", "实际完成日期", "验收日期", "验收结果", "验收金额",
               "实际支付金额", "已享受适老化改造")
BED_ITEM_HEADERS = ("服务对象编号", "类别", "项目名称", "数量", "金额（元）", "是否个性化", "已录入信息系统")
FUND_HEADERS = ("日期", "类型", "资金来源", "拨付对象", "金额", "单位", "文号", "用途")
LOCAL_HARDSHIP = "支出型困难"
# 机构支出: each institution's own outlay of what it received (reported beside execution, never counted as it).
INSTITUTION_OUTLAYS = (120000.00, 135000.00, 150000.00)
SURVEY_WORDS = ("非常满意", "满意", "一般", "不满意", "非常不满意")
SURVEY_ANSWER_WEIGHTS = (60, 32, 6, 2, 0)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


# ---------------------------------------------------------------------------------------------------- helpers

def id_check_digit(body17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def duration_text(minutes: int) -> str:
    """Minutes as a platform writes them: 1小时20分钟, 45分钟, 1小时."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}小时{rest}分钟"
    return f"{hours}小时" if hours else f"{rest}分钟"


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _spell(ts: dt.datetime | None, style: str):
    """A datetime in one of the spellings found in real exports (or the datetime itself for an xlsx cell)."""
    if ts is None:
        return None
    if style == "cell":
        return ts
    if style == "iso_seconds":
        return ts.strftime("%Y-%m-%d %H:%M:%S")
    if style == "iso_minutes":
        return ts.strftime("%Y-%m-%d %H:%M")
    if style == "slash":
        return f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}"
    return f"{ts.year}年{ts.month}月{ts.day}日 {ts.hour}:{ts.minute:02d}"


def _spell_date(day: dt.date, style: int):
    """A date in one of four ledger spellings: 2022.9.1, 2022/09/01, 2022年9月1日, Excel serial number."""
    if style == 0:
        return f"{day.year}.{day.month}.{day.day}"
    if style == 1:
        return day.strftime("%Y/%m/%d")
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return (day - dt.date(1899, 12, 30)).days


def _month_days(month: str) -> list[dt.date]:
    year, mon = int(month[:4]), int(month[5:])
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def _shown(value, xlsx: bool):
    """A cell's value as the manifest records it: what str() of the cell gives when read back."""
    if value is None or value == "":
        return None
    if xlsx and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return str(dt.datetime.combine(value, dt.time()))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Row:
    """One written row: its cells, whether it is data, blank or a totals row, and the defects it carries."""

    cells: list
    kind: str = "data"  # data | blank | totals
    defects: list = field(default_factory=list)  # (kind, column or None, note or a callable giving the note)
    number: int = 0  # row / line number as a person sees it, set when the table is laid out


@dataclass
class Table:
    """One sheet of a workbook or one CSV file: optional merged title row, header row(s), rows."""

    file: str
    sheet: str | None
    headers: list[list]
    rows: list[Row]
    title: str | None = None
    merges: tuple[str, ...] = ()
    header_defects: list = field(default_factory=list)  # (kind, column, note[, row]) about the header line(s)

    @property
    def header_row(self) -> int:
        return (2 if self.title else 1) + len(self.headers) - 1

    def layout(self) -> None:
        for i, row in enumerate(self.rows):
            row.number = self.header_row + 1 + i

    def column_index(self, name: str) -> int:
        for header in self.headers:
            if name in header:
                return list(header).index(name)
        raise KeyError(name)


class Manifest:
    """Collects the defects and row counts of every table written."""

    def __init__(self):
        self.defects: list[dict] = []
        self.rows: dict[str, int] = {}
        self.blank_rows: dict[str, int] = {}
        self.totals_rows: dict[str, int] = {}

    def add_table(self, table: Table, key: str) -> None:
        table.layout()
        xlsx = table.file.endswith(".xlsx")
        for kind, column, note, *row in table.header_defects:
            self._add(kind, table, row[0] if row else table.header_row, column, column, note)
        for row in table.rows:
            for kind, column, note in row.defects:
                value = None
                if column is not None:
                    j = table.column_index(column)
                    value = _shown(row.cells[j] if j < len(row.cells) else None, xlsx)
                self._add(kind, table, row.number, column, value, note() if callable(note) else note)
        self.rows[key] = sum(r.kind == "data" for r in table.rows)
        self.blank_rows[key] = sum(r.kind == "blank" for r in table.rows)
        self.totals_rows[key] = sum(r.kind == "totals" for r in table.rows)

    def _add(self, kind, table, row, column, value, note) -> None:
        self.defects.append({"kind": kind, "file": table.file, "sheet": table.sheet, "row": row,
                             "column": column, "value": value, "note": note})


def save_xlsx(path: Path, tables: list[Table]) -> None:
    """Write tables as the sheets of one workbook with fixed timestamps, so that the bytes are reproducible."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(table.sheet)
        width = max(len(h) for h in table.headers)
        if table.title:
            ws.append([table.title])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        for header in table.headers:
            ws.append(list(header))
        for merge in table.merges:
            ws.merge_cells(merge)
        for row in table.rows:
            ws.append([] if row.kind == "blank" else row.cells)
        for j in range(width):
            ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width = 16
    wb.properties.creator = REGION_NAME
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # save_workbook would stamp now()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    path.write_bytes(out.getvalue())


def _save_csv(path: Path, table: Table, encoding: str) -> None:
    """Write a table as CSV (CRLF lines, no quoting unless needed) in the given encoding."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for header in table.headers:
        writer.writerow(header)
    for row in table.rows:
        writer.writerow(["" if c is None else c for c in row.cells])
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------------------------------------------- the world

@dataclass
class Elder:
    """One person of the ledger, with the role (if any) that makes them a seeded case."""

    elder_id: str
    institution: str
    service_type: str
    sex: str = ""
    name: str = ""
    birth: dt.date = dt.date(1945, 1, 1)
    township: str = ""
    hardship: str = ""
    ability: str = ""
    enrolled: dt.date = dt.date(2022, 1, 1)
    self_funded: str | None = None
    id_number: str = ""  # canonical 18 characters
    id_written: str = ""  # as written in the ledger
    caregiver: str = ""
    role: str = ""

    @property
    def visited(self) -> bool:
        return self.service_type in ("两者", "居家上门服务")

    @property
    def has_bed(self) -> bool:
        return self.service_type in ("两者", "家庭养老床位")


@dataclass
class World:
    """Everything the ledgers are drawn from: elders, status events and each elder's service periods."""

    elders: list[Elder]
    duplicate: Elder  # a second person written under an existing 服务对象编号
    events: list[tuple[str, str, dt.date, str]]  # (elder_id, event, date, note)
    caregivers: dict[str, list[str]]

    def served_days(self, elder: Elder, month: str) -> list[dt.date]:
        """Days of a month on which an elder may be visited: enrolled, alive, not moved away and not paused."""
        start = max(SERVICE_START, elder.enrolled)
        end = PROJECT_END + dt.timedelta(days=1)
        paused: list[tuple[dt.date, dt.date]] = []
        open_pause = None
        for eid, event, day, _ in self.events:
            if eid != elder.elder_id:
                continue
            if event in ("去世", "迁出", "入住机构", "终止"):
                end = min(end, day)
            elif event == "暂停":
                open_pause = day
            elif event == "恢复" and open_pause:
                paused.append((open_pause, day))
                open_pause = None
        if open_pause:
            paused.append((open_pause, end))
        return [d for d in _month_days(month)
                if start <= d < end and not any(p <= d < r for p, r in paused)]

    def event_dates(self, elder_id: str, event: str) -> list[dt.date]:
        return [day for eid, ev, day, _ in self.events if eid == elder_id and ev == event]


def _person(rng: random.Random, elder: Elder) -> None:
    """Sex, synthetic name, township, hardship, ability level."""
    elder.sex = rng.choice(("男", "女", "女"))
    chars = MALE_CHARS if elder.sex == "男" else FEMALE_CHARS
    elder.name = rng.choice(SURNAMES) + "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2))))
    elder.township = rng.choice(TOWNSHIPS)
    elder.hardship = _weighted(rng, HARDSHIP)
    elder.ability = _weighted(rng, ABILITY)


def _assign_id(rng: random.Random, elder: Elder, taken: dict[str, str], want_x: bool = False) -> None:
    """A unique synthetic 18-character ID with a valid check digit, area 370399, matching birth date and sex."""
    parity = 1 if elder.sex == "男" else 0
    seqs = [s for s in range(1, 1000) if s % 2 == parity]
    rng.shuffle(seqs)
    birth = elder.birth
    while True:
        for seq in seqs:
            body = f"{REGION_CODE}{birth:%Y%m%d}{seq:03d}"
            number = body + id_check_digit(body)
            if number in taken or (want_x and not number.endswith("X")):
                continue
            taken[number] = elder.elder_id
            elder.birth, elder.id_number, elder.id_written = birth, number, number
            return
        birth += dt.timedelta(days=1)  # every sequence of that day taken: move the birthday (never happens at n=270)


def _take(pool: list[Elder], n: int, role: str) -> list[Elder]:
    """Give the first n elders of a shuffled pool a role and remove them from the pool."""
    chosen, pool[:] = pool[:n], pool[n:]
    for elder in chosen:
        elder.role = role
    return chosen


def build_world(seed: int) -> World:
    """Elders with their roles, IDs and dates; the status events; caregivers per institution."""
    rng = random.Random(f"{seed}:elders")
    types = [t for t, n in SERVICE_TYPE_COUNTS for _ in range(n)]
    rng.shuffle(types)
    elders, number = [], 0
    for inst, _, count, *_ in INSTITUTIONS:
        for _ in range(count):
            number += 1
            elders.append(Elder(f"E{number:04d}", inst, types[number - 1]))
    for elder in elders:
        _person(rng, elder)
        elder.birth = dt.date(min(1960, int(rng.triangular(1930, 1961, 1944))), rng.randint(1, 12), rng.randint(1, 28))
        if elder.has_bed:
            elder.enrolled = dt.date(2021, 11, 1) + dt.timedelta(days=rng.randint(0, 75))
        else:
            elder.enrolled = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randint(0, 55))
        elder.self_funded = "否" if rng.random() < 0.7 else None

    home_only = [e for e in elders if e.service_type == "居家上门服务"]
    for elder in home_only[:SELF_FUNDED_HOME_ONLY]:
        elder.self_funded, elder.role = "是", "self_funded"
    visited = [e for e in elders if e.service_type == "两者"]
    bed_only = [e for e in elders if e.service_type == "家庭养老床位"]
    rng.shuffle(visited)
    rng.shuffle(bed_only)
    deaths = _take(visited, 6, "died")
    pauses = _take(visited, 5, "paused")
    exits = _take(visited, 2, "迁出") + _take(visited, 2, "入住机构") + _take(visited, 1, "终止")
    for elder in _take(visited, 2, "under_60"):
        elder.birth = dt.date(rng.choice((1963, 1964)), rng.randint(1, 12), rng.randint(1, 28))
    x_id = _take(visited, 1, "id_spaces_lower_x")[0]
    for elder in _take(bed_only, 4, "ineligible_ability"):
        elder.ability = "能力完好"
    _take(bed_only, 2, "id_bad_check")
    _take(bed_only, 1, "id_legacy_15")
    original = _take(bed_only, 1, "duplicate_original")[0]
    _take(bed_only, 4, "bed_only_visits")

    taken: dict[str, str] = {}
    for elder in elders:
        _assign_id(rng, elder, taken, want_x=elder is x_id)
        if elder.role == "id_bad_check":
            right = elder.id_number[-1]
            elder.id_written = elder.id_number[:17] + "0123456789X"[("0123456789X".index(right) + 3) % 11]
        elif elder.role == "id_legacy_15":
            elder.id_written = f"{REGION_CODE}{elder.birth:%y%m%d}{elder.id_number[14:17]}"
        elif elder is x_id:
            n = elder.id_number
            elder.id_written = f"{n[:6]} {n[6:14]} {n[14:17]}x"
    duplicate = Elder(original.elder_id, original.institution, "居家上门服务", role="duplicate_id")
    _person(rng, duplicate)
    duplicate.ability = "中度失能"
    duplicate.birth = dt.date(1941, 5, 17)
    duplicate.enrolled = dt.date(2022, 12, 20)
    duplicate.self_funded = "否"
    _assign_id(rng, duplicate, taken)

    caregivers = {}
    for k, (inst, *_) in enumerate(INSTITUTIONS):
        caregivers[inst] = [f"C{k * CAREGIVERS_PER_INSTITUTION + i + 1:03d}" for i in range(CAREGIVERS_PER_INSTITUTION)]
    for inst, team in caregivers.items():
        for i, elder in enumerate(e for e in elders if e.institution == inst and e.visited):
            elder.caregiver = team[i % len(team)]

    events = []
    for elder, month in zip(deaths, sorted(rng.sample(MONTHS, len(deaths)))):
        day = dt.date(2022, int(month[5:]), rng.randint(3, 27))
        events.append((elder.elder_id, "去世", day, rng.choice(EVENT_NOTES["去世"])))
    for i, elder in enumerate(pauses):
        paused = dt.date(2022, 7, 1) + dt.timedelta(days=rng.randint(0, 130))
        events.append((elder.elder_id, "暂停", paused, rng.choice(EVENT_NOTES["暂停"])))
        if i < 3:
            resumed = min(paused + dt.timedelta(days=rng.randint(15, 45)), dt.date(2022, 12, 20))
            events.append((elder.elder_id, "恢复", resumed, rng.choice(EVENT_NOTES["恢复"])))
    for elder in exits:
        day = dt.date(2022, 7, 1) + dt.timedelta(days=rng.randint(0, 140))
        events.append((elder.elder_id, elder.role, day, EVENT_NOTES[elder.role][0]))
    events.sort(key=lambda e: (e[2], e[0]))
    # Issue 10: a local low-income category (支出型困难) that the region's policy lists as eligible: loaded as
    # written, never quarantined, and counted like 低收入. The first plain 低收入 elder of the ledger gets it.
    local = next(e for e in elders if e.hardship == "低收入" and not e.role)
    local.hardship = LOCAL_HARDSHIP
    return World(elders, duplicate, events, caregivers)


# ---------------------------------------------------------------------------------------------------- ledgers

def write_region_yaml(folder: Path, world: World) -> None:
    """region.yaml in the contract's shape; dates and months quoted so YAML keeps them as text.

    Cases of issue 10: an unknown baseline figure (facilities: null, the region still loads), survey_issued from
    region.yaml (75 handed out; the ledger holds the 73 returned), the project period over which 人次 accumulate, and
    a local hardship category the region's policy makes eligible.
    """
    beds = sum(e.has_bed for e in world.elders)
    text = f"""region_code: "{REGION_CODE}"
name: {REGION_NAME}
project_year: 2022
service_start: "2022-06-01"
evaluation_window: ["2022-06", "2022-12"]
minimums: {{visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}}
bed_subsidy_cap_yuan: {BED_CAP_YUAN}
targets: {{beds: {beds}, service_person_times: 170, budget_wan: 180.5, satisfaction_pct: 85}}
baseline: {{elders_60plus: 98650, low_income_elders: 3120, disabled_low_income_elders: 412, facilities: null}}
project_period: ["2022-06-01", "2022-12-31"]
survey_issued: 75
policy:
  eligibility: {{hardship: [低保, 低保边缘, 特困, 低收入, {LOCAL_HARDSHIP}]}}  # a local category, eligible here
"""
    (folder / "region.yaml").write_bytes(text.encode("utf-8"))


def write_institutions(folder: Path, world: World, manifest: Manifest) -> None:
    """institutions.xlsx: the three contracted institutions, contract amounts in 万元 text or 元 with commas."""
    rows = []
    for inst, name, _, signed, amount, _, _ in INSTITUTIONS:
        planned = sum(e.has_bed for e in world.elders if e.institution == inst)
        row = Row([inst, name, signed, amount, planned])
        if amount.endswith("万元"):
            row.defects.append(("accepted_format", "合同金额", "money written in 万元 with its unit"))
        rows.append(row)
    table = Table("institutions.xlsx", "服务机构", [["机构编号", "机构名称", "合同签订日期", "合同金额", "计划床位数"]], rows)
    manifest.add_table(table, "institutions.xlsx")
    save_xlsx(folder / "institutions.xlsx", [table])


def write_elders(folder: Path, world: World, seed: int, manifest: Manifest) -> None:
    """elders.xlsx (服务对象台账) under a merged title row, with ID, duplicate, blank and totals defects."""
    rng = random.Random(f"{seed}:elders.xlsx")
    notes = {
        "id_bad_check": ("bad_check_digit", "身份证号", "check digit does not match (GB 11643 MOD 11-2)"),
        "id_legacy_15": ("legacy_15_digit_id", "身份证号", "15-digit legacy ID number: no check digit to verify"),
        "id_spaces_lower_x": ("accepted_format", "身份证号", "ID with spaces and a lowercase x: normalise, do not quarantine"),
        "under_60": ("under_60", "出生日期", "younger than 60 at enrolment: not eligible by age"),
        "ineligible_ability": ("ineligible_ability", "能力等级", "能力完好 is not 失能/部分失能: not eligible"),
    }

    def row_of(elder: Elder) -> Row:
        row = Row([elder.elder_id, elder.id_written, elder.name, elder.sex, elder.birth, elder.township,
                   elder.hardship, elder.ability, elder.institution, elder.service_type, elder.enrolled,
                   elder.self_funded])
        if elder.role in notes:
            row.defects.append(notes[elder.role])
        return row

    rows = [row_of(e) for e in world.elders]
    first = next(i for i, e in enumerate(world.elders) if e.elder_id == world.duplicate.elder_id)
    original, dup = rows[first], row_of(world.duplicate)
    rows.insert(rng.randint(min(first + 20, len(rows)), len(rows)), dup)
    dup.defects.append(("duplicate_id", "服务对象编号",
                        lambda: f"a second person under {world.duplicate.elder_id} (first at row {original.number})"))
    blank = Row([], kind="blank", defects=[("blank_row", None, "blank row in the middle of the ledger")])
    rows.insert(len(rows) // 2, blank)
    data_rows = sum(r.kind == "data" for r in rows)
    rows.append(Row(["合计", None, f"共{data_rows}人"], kind="totals",
                    defects=[("totals_row", "服务对象编号", "stray totals row below the data")]))
    table = Table("elders.xlsx", "服务对象台账", [list(ELDER_HEADERS)], rows,
                  title=f"{REGION_NAME}服务对象台账（2022年）")
    manifest.add_table(table, "elders.xlsx")
    save_xlsx(folder / "elders.xlsx", [table])


def write_status_events(folder: Path, world: World, seed: int, manifest: Manifest) -> None:
    """status_events.xlsx: deaths, pauses and resumptions, moves, entries into institutions, a termination."""
    rng = random.Random(f"{seed}:status_events")
    rows = []
    for elder_id, event, day, note in world.events:
        style = rng.choice((None, None, 1, 2))
        rows.append(Row([elder_id, event, day if style is None else _spell_date(day, style), note]))
    table = Table("status_events.xlsx", "服务状态变更", [["服务对象编号", "变更类型", "变更日期", "说明"]], rows)
    manifest.add_table(table, "status_events.xlsx")
    save_xlsx(folder / "status_events.xlsx", [table])


def _bed_items(rng: random.Random) -> list[tuple[str, str, int, float]]:
    """2–5 distinct items for one bed, their total kept within the renovation cap."""
    chosen = rng.sample(BED_ITEMS, rng.choice((2, 3, 4, 4, 5, 5)))
    items = [(cat, name, q, round(price * q, 2)) for cat, name, price, top in chosen for q in [rng.randint(1, top)]]
    while len(items) > 2 and sum(i[3] for i in items) > BED_CAP_YUAN:
        items.pop()
    return items


BED_FINDINGS = {  # bed role -> (defect kind, column, note)
    "unknown_elder": ("unknown_elder", "服务对象编号", "bed for an elder who is not in elders.xlsx"),
    "not_completed": ("bed_not_completed", "实际完成日期", "bed not yet completed: no completion or acceptance"),
    "acceptance_failed": ("bed_acceptance_failed", "验收结果", "bed failed acceptance"),
    "paid_above_cap": ("bed_paid_above_cap", "实际支付金额",
                       "paid above the {cap} 元 cap and above the accepted amount {accepted:.2f}"),
    "previously_renovated": ("bed_previously_renovated", "已享受适老化改造",
                             "home already renovated under the earlier 适老化改造 programme"),
}


def write_beds(folder: Path, world: World, seed: int, manifest: Manifest) -> dict[str, float]:
    """beds.xlsx: one row per bed (most late) and the 床位改造明细 sheet; returns paid yuan per institution."""
    rng = random.Random(f"{seed}:beds")
    planned_on = {inst: plan for inst, *_, plan in INSTITUTIONS}
    bed_elders = [e for e in world.elders if e.has_bed]
    plain = [e for e in bed_elders if not e.role]
    rng.shuffle(plain)
    roles: dict[str, str] = {}
    for role, n in (("not_completed", 5), ("acceptance_failed", 3), ("paid_above_cap", 4), ("on_time", 8),
                    ("previously_renovated", 4)):
        for elder in plain[:n]:
            roles[elder.elder_id] = role
        plain = plain[n:]

    def money(value: float):
        if rng.random() < 0.08:
            return f"{value:,.2f}" if rng.random() < 0.5 else f"{value:g}元"
        return value

    def date(day: dt.date | None):
        if day is None or rng.random() >= 0.1:
            return day
        return _spell_date(day, rng.randint(0, 2))

    bed_rows, item_rows, paid_by_inst = [], [], {inst: 0.0 for inst, *_ in INSTITUTIONS}
    for elder in bed_elders + [None]:
        if elder is None:  # a bed for someone who is not in the ledger of elders
            inst = rng.choice([i for i, *_ in INSTITUTIONS])
            elder_id, role, items, total = "E9101", "unknown_elder", [], 1860.0
        else:
            inst, elder_id, role = elder.institution, elder.elder_id, roles.get(elder.elder_id, "")
            items = _bed_items(rng)
            while role == "paid_above_cap" and sum(i[3] for i in items) < 1800:  # overpaid beds are the costly ones
                items = _bed_items(rng)
            total = round(sum(i[3] for i in items), 2)
        planned = planned_on[inst]
        if role == "on_time":
            started = planned - dt.timedelta(days=rng.randint(40, 60))
            completed = started + dt.timedelta(days=rng.randint(5, 20))
        else:
            started = dt.date(2022, 3, 1) + dt.timedelta(days=rng.randint(0, 70))
            completed = min(started + dt.timedelta(days=rng.randint(3, 20)), dt.date(2022, 6, 10))
        accepted_on = completed + dt.timedelta(days=rng.randint(5, 25))
        result, accepted, paid = "合格", total, total
        if role == "not_completed":
            started = dt.date(2022, 5, 10) + dt.timedelta(days=rng.randint(0, 30)) if rng.random() < 0.6 else None
            completed = accepted_on = result = accepted = paid = None
        elif role == "acceptance_failed":
            result, paid = "不合格", None
        elif role == "paid_above_cap":
            paid = float(max(total, BED_CAP_YUAN) + rng.randint(3, 8) * 100)
        renovated = "是" if role == "previously_renovated" else "否"
        row = Row([elder_id, inst, date(planned), date(started), date(completed), date(accepted_on), result,
                   None if accepted is None else money(accepted), None if paid is None else money(paid), renovated])
        if role in BED_FINDINGS:
            kind, column, note = BED_FINDINGS[role]
            row.defects.append((kind, column, note.format(cap=BED_CAP_YUAN, accepted=accepted)))
        bed_rows.append(row)
        if paid:
            paid_by_inst[inst] += paid
        for cat, name, qty, amount in items:
            item_rows.append(Row([elder_id, cat, name, qty, amount, "是" if rng.random() < 0.25 else "否",
                                  "是" if rng.random() < 0.9 else "否"]))
    # the unknown elder's bed goes somewhere in the middle, not at the end
    unknown = bed_rows.pop()
    bed_rows.insert(rng.randint(len(bed_rows) // 3, 2 * len(bed_rows) // 3), unknown)
    beds = Table("beds.xlsx", "家庭养老床位", [list(BED_HEADERS)], bed_rows)
    items_table = Table("beds.xlsx", "床位改造明细", [list(BED_ITEM_HEADERS)], item_rows)
    manifest.add_table(beds, "beds.xlsx#家庭养老床位")
    manifest.add_table(items_table, "beds.xlsx#床位改造明细")
    save_xlsx(folder / "beds.xlsx", [beds, items_table])
    return paid_by_inst


# ------------------------------------------------------------------------------------------ visits

@dataclass
class Visit:
    """One punch record before it is written: times, the file it goes to, its seeded defects."""

    key: int
    elder_id: str
    institution: str
    caregiver: str
    item: str
    checkin: dt.datetime
    checkout: dt.datetime | None
    duration: str | None
    file_month: str
    defects: list = field(default_factory=list)
    visit_id: str = ""
    written_times: tuple[str, str] | None = None  # spelled by hand (an impossible date)
    row: Row | None = None


class Schedule:
    """Caregivers' booked slots per day, so that no caregiver is in two homes at once unless seeded."""

    def __init__(self, caregivers: dict[str, list[str]]):
        self.caregivers = caregivers
        self.used: dict[tuple[str, dt.date], list[int]] = {}

    def book(self, rng: random.Random, institution: str, preferred: str, day: dt.date) -> tuple[str, int] | None:
        team = self.caregivers[institution]
        start = team.index(preferred) if preferred in team else rng.randrange(len(team))
        for cg in team[start:] + team[:start]:
            used = self.used.setdefault((cg, day), [])
            free = [s for s in range(len(SLOTS)) if s not in used]
            if free:
                slot = rng.choice(free)
                used.append(slot)
                return cg, slot
        return None

    def block(self, caregiver: str, day: dt.date) -> None:
        self.used[(caregiver, day)] = list(range(len(SLOTS)))


class VisitMaker:
    """Creates visits through the schedule, numbering them by creation order."""

    def __init__(self, rng: random.Random, schedule: Schedule):
        self.rng, self.schedule, self.visits = rng, schedule, []

    def make(self, elder_id: str, institution: str, caregiver: str, day: dt.date, file_month: str | None = None,
             item: str | None = None, required: bool = False) -> Visit | None:
        booked = self.schedule.book(self.rng, institution, caregiver, day)
        if booked is None:
            if required:
                raise RuntimeError(f"no caregiver of {institution} free on {day} for a seeded visit")
            return None
        cg, slot = booked
        hour, minute = SLOTS[slot]
        checkin = dt.datetime.combine(day, dt.time(hour, minute)) + dt.timedelta(minutes=self.rng.randint(0, 25))
        minutes = self.rng.randint(30, 90)
        visit = Visit(len(self.visits), elder_id, institution, cg, item or _weighted(self.rng, SERVICE_ITEMS),
                      checkin, checkin + dt.timedelta(minutes=minutes), duration_text(minutes),
                      file_month or f"{day:%Y-%m}")
        self.visits.append(visit)
        return visit


def _monthly_count(rng: random.Random) -> int:
    """Visits planned for an elder-month: 8–14 for about 35% of months, else 15–29 (skewed up)."""
    if rng.random() < 0.35:
        return max(rng.randint(8, 14), rng.randint(8, 14))
    return max(rng.randint(15, 29), rng.randint(15, 29))


def plan_visits(world: World, seed: int) -> list[Visit]:
    """All punch records of June–December with the seeded visit defects attached."""
    rng = random.Random(f"{seed}:visits")
    schedule = Schedule(world.caregivers)
    maker = VisitMaker(rng, schedule)
    visit_days: dict[str, list[dt.date]] = {}
    for month in MONTHS:
        for elder in (e for e in world.elders if e.visited):
            days = world.served_days(elder, month)
            if not days:
                continue
            for day in sorted(rng.sample(days, min(len(days), _monthly_count(rng)))):
                if maker.make(elder.elder_id, elder.institution, elder.caregiver, day):
                    visit_days.setdefault(elder.elder_id, []).append(day)
    normal = list(maker.visits)
    plain_elders = {e.elder_id for e in world.elders if not e.role}
    touched: set[int] = set()

    def pick(month: str) -> Visit:
        """An untouched visit of an elder without a role, for a seeded defect."""
        cands = [v for v in normal if v.file_month == month and v.key not in touched and v.elder_id in plain_elders]
        visit = rng.choice(cands)
        touched.add(visit.key)
        return visit

    def by_caregiver_day(month: str) -> dict[tuple[str, dt.date], list[Visit]]:
        groups: dict[tuple[str, dt.date], list[Visit]] = {}
        for v in normal:
            if v.file_month == month:
                groups.setdefault((v.caregiver, v.checkin.date()), []).append(v)
        return groups

    # over 8 hours: a caregiver's only visit of the day, whose day is then closed to other bookings
    alone = [g[0] for g in by_caregiver_day("2022-07").values() if len(g) == 1]
    long = rng.choice([v for v in alone if v.elder_id in plain_elders])
    touched.add(long.key)
    long.checkin = long.checkin.replace(hour=8, minute=rng.randint(0, 15))
    long.checkout = long.checkin + dt.timedelta(minutes=515)
    long.duration = duration_text(515)
    long.defects.append(("too_long", "服务时长", "one visit of over 8 hours"))
    schedule.block(long.caregiver, long.checkin.date())

    # one caregiver at two homes at once: the later of a caregiver's two visits moved onto the earlier one
    pairs = [g for g in by_caregiver_day("2022-11").values()
             if len(g) == 2 and all(v.elder_id in plain_elders for v in g)]
    first, second = sorted(rng.choice(pairs), key=lambda v: v.checkin)
    touched.update((first.key, second.key))
    length = second.checkout - second.checkin
    second.checkin = first.checkin + dt.timedelta(minutes=20)
    second.checkout = second.checkin + length
    second.defects.append(("caregiver_overlap", "签到时间", lambda: (
        f"caregiver {second.caregiver} is also at {first.elder_id} ({first.visit_id}, row {first.row.number}) "
        f"{first.checkin:%H:%M}–{first.checkout:%H:%M}")))
    schedule.block(first.caregiver, first.checkin.date())

    short = pick("2022-10")
    short.checkout = short.checkin + dt.timedelta(minutes=3)
    short.duration = "3分钟"
    short.defects.append(("too_short", "服务时长", "a visit of 3 minutes"))
    for month in ("2022-06", "2022-07", "2022-11", "2022-12"):
        v = pick(month)
        v.checkout, v.duration = v.checkin - dt.timedelta(minutes=rng.randint(20, 70)), None
        v.defects.append(("checkout_before_checkin", "签退时间", "check-out earlier than check-in"))
    for month in ("2022-06", "2022-06", "2022-07", "2022-08", "2022-09", "2022-10", "2022-10", "2022-11",
                  "2022-12", "2022-12"):
        v = pick(month)
        v.checkout = v.duration = None
        v.defects.append(("open_punch", "签退时间", "open punch: no check-out (a finding, the row is accepted)"))
    for month in ("2022-06", "2022-07", "2022-07", "2022-08", "2022-09", "2022-09", "2022-10", "2022-11",
                  "2022-11", "2022-12", "2022-12", "2022-12"):
        v = pick(month)
        v.duration = "未记录时间"
        v.defects.append(("accepted_format", "服务时长", "未记录时间: duration unknown, not zero"))
    bad = pick("2022-09")
    bad.written_times = tuple(f"2022年9月31日 {t.hour}:{t.minute:02d}" for t in (bad.checkin, bad.checkout))
    bad.defects.append(("impossible_date", "签到时间", "impossible date: September has 30 days"))

    # extra punches booked through the schedule (no accidental caregiver overlaps)
    for n, month in enumerate(("2022-06", "2022-07", "2022-09", "2022-10", "2022-11", "2022-12")):
        inst = rng.choice([i for i, *_ in INSTITUTIONS])
        v = maker.make(f"E9{n + 1:03d}", inst, rng.choice(world.caregivers[inst]), rng.choice(_month_days(month)),
                       required=True)
        v.defects.append(("unknown_elder", "服务对象编号", "visit for an elder id that is not in elders.xlsx"))
    dead = [e for e in world.elders if e.role == "died" and world.event_dates(e.elder_id, "去世")[0].month < 12]
    for elder in rng.sample(dead, 3):
        died = world.event_dates(elder.elder_id, "去世")[0]
        v = maker.make(elder.elder_id, elder.institution, elder.caregiver, died + dt.timedelta(days=rng.randint(1, 6)),
                       required=True)
        v.defects.append(("visit_after_death", "签到时间", f"visit after the elder's death on {died}"))
    paused = [e for e in world.elders if e.role == "paused"]
    for elder in rng.sample(paused, 2):
        start = world.event_dates(elder.elder_id, "暂停")[0]
        resumed = world.event_dates(elder.elder_id, "恢复")
        last = min(resumed[0] if resumed else PROJECT_END, PROJECT_END)
        day = start + dt.timedelta(days=rng.randint(1, max(1, (last - start).days - 1)))
        v = maker.make(elder.elder_id, elder.institution, elder.caregiver, day, required=True)
        v.defects.append(("visit_during_pause", "签到时间", f"visit while service was paused (since {start})"))
    for elder in (e for e in world.elders if e.role == "bed_only_visits"):
        month = rng.choice(MONTHS[:4])
        team = world.caregivers[elder.institution]
        for day in sorted(rng.sample(_month_days(month), rng.randint(1, 3))):
            v = maker.make(elder.elder_id, elder.institution, rng.choice(team), day, item="健康管理", required=True)
            v.defects.append(("bed_only_visit", "服务对象编号", "visit punched for a bed-only elder (follow-up check)"))
    elder = next(e for e in world.elders if e.elder_id in plain_elders and e.visited
                 and e.institution == "JG002" and len(visit_days.get(e.elder_id, [])) > 50)
    day = rng.choice([d for d in _month_days("2022-08")[20:] if d not in visit_days[elder.elder_id]])
    v = maker.make(elder.elder_id, elder.institution, elder.caregiver, day, file_month="2022-09", required=True)
    v.defects.append(("other_month", "签到时间", "an August visit in the September file"))
    return maker.visits


def _visit_cells(v: Visit, headers: tuple[str, ...], style: str, remark: str | None = None) -> list:
    checkin, checkout = v.written_times or (_spell(v.checkin, style), _spell(v.checkout, style))
    values = {"服务记录编号": v.visit_id, "服务对象编号": v.elder_id, "服务机构": v.institution, "护理员编号": v.caregiver,
              "服务项目": v.item, "签到时间": checkin, "签退时间": checkout, "服务时长": v.duration, "备注": remark}
    return [values[h] for h in headers]


def write_visits(folder: Path, visits: list[Visit], seed: int, manifest: Manifest) -> dict[str, int]:
    """visits/2022-06 … 2022-12 in their month's format; returns data rows per month file."""
    rng = random.Random(f"{seed}:visit_files")
    (folder / "visits").mkdir(exist_ok=True)
    tables: dict[str, Table] = {}
    for month, (fmt, encoding, styles) in VISIT_FILES.items():
        in_file = sorted((v for v in visits if v.file_month == month and v.checkin.strftime("%Y-%m") == month),
                         key=lambda v: (v.checkin, v.caregiver, v.key))
        for v in visits:
            if v.file_month == month and v.checkin.strftime("%Y-%m") != month:
                in_file.insert(rng.randint(10, len(in_file) - 10), v)
        for n, v in enumerate(in_file, start=1):
            v.visit_id = f"V{month.replace('-', '')}{n:04d}"
        if month == "2022-10":  # a second, different punch under an existing id
            plain = [i for i, v in enumerate(in_file) if not v.defects]
            a, b = sorted(rng.sample(plain, 2))
            first, second = in_file[a], in_file[b]
            second.visit_id = first.visit_id
            first.defects.append(("duplicate_id_original", "服务记录编号",
                                  lambda second=second: f"its id is reused by a different punch at row {second.row.number}"))
            second.defects.append(("duplicate_id_conflict", "服务记录编号",
                                   lambda first=first: f"same id as row {first.row.number}, different content"))
        headers = VISIT_HEADERS_REORDERED if month == "2022-09" else VISIT_HEADERS
        if month == "2022-10":
            headers = headers + ("备注",)
        rows = []
        for v in in_file:
            remark = (rng.choice(VISIT_REMARKS) if rng.random() < 0.03 else None) if "备注" in headers else None
            v.row = Row(_visit_cells(v, headers, rng.choice(styles), remark), defects=list(v.defects))
            rows.append(v.row)
        if month in ("2022-06", "2022-07", "2022-08", "2022-10", "2022-12"):  # exact duplicate punches
            plain = [r for r, v in zip(rows, in_file) if not v.defects]
            original = rng.choice(plain[: len(plain) - 50])
            copy = Row(list(original.cells), defects=[("duplicate_exact", "服务记录编号",
                                                       lambda o=original: f"exact copy of row {o.number}")])
            rows.insert(rows.index(original) + rng.randint(1, 40), copy)
        if month in ("2022-07", "2022-10"):
            cells = [""] * len(headers) if month == "2022-07" else []
            rows.insert(rng.randint(len(rows) // 3, 2 * len(rows) // 3),
                        Row(cells, kind="blank", defects=[("blank_row", None, "blank row between records")]))
        if month == "2022-11":
            count = sum(r.kind == "data" for r in rows)
            rows.append(Row(["合计", f"共{count}条"] + [""] * (len(headers) - 2), kind="totals",
                            defects=[("totals_row", headers[0], "stray totals row at the bottom")]))
        name = f"visits/{month}.{fmt}"
        if fmt == "xlsx":
            top = list(headers[:5]) + ["服务时间", None, headers[7]]
            sub = [None] * 5 + ["签到时间", "签退时间", None]
            merges = tuple(f"{c}2:{c}3" for c in "ABCDEH") + ("F2:G2",)
            table = Table(name, "2022年8月", [top, sub], rows, title=f"{REGION_NAME}2022年8月上门服务记录", merges=merges)
            table.header_defects.append(("accepted_format", None, "title row above a two-row merged header", 1))
        else:
            table = Table(name, None, [list(headers)], rows)
            table.header_defects.extend({
                "2022-06": [("accepted_format", None, "UTF-8 with BOM")],
                "2022-07": [("accepted_format", None, "GB18030-encoded CSV")],
                "2022-09": [("accepted_format", None, "columns in another order")],
                "2022-10": [("accepted_format", "备注", "unknown extra column")],
            }.get(month, []))
        first_data = next(r for r in rows if r.kind == "data" and not r.defects)
        first_data.defects.append(("accepted_format", "签到时间", f"datetime spelling of this file ({'/'.join(styles)})"))
        first_data.defects.append(("accepted_format", "服务时长", "duration written as text"))
        tables[month] = table
    counts = {}
    for month, table in tables.items():
        fmt, encoding, _ = VISIT_FILES[month]
        manifest.add_table(table, table.file)
        if fmt == "xlsx":
            save_xlsx(folder / table.file, [table])
        else:
            _save_csv(folder / table.file, table, encoding)
        counts[month] = manifest.rows[table.file]
    return counts


# ------------------------------------------------------------------------------------------ funds and survey

def write_funds(folder: Path, paid_beds: dict[str, float], seed: int, manifest: Manifest) -> None:
    """funds.xlsx: 180.5万 allocated, 178.8188万 received and paid to the institutions, most of it spent."""
    rng = random.Random(f"{seed}:funds")
    entries = [  # date, kind, source, institution, amount, unit, document, purpose
        (dt.date(2022, 5, 20), "下达", "中央", None, 160, "万元", "财社〔2022〕58号", None),
        (dt.date(2022, 6, 8), "下达", "省级", None, 120000.00, "元", "省财社〔2022〕71号", None),
        (dt.date(2022, 6, 30), "下达", "县级", None, 8.5, "万元", "示财社〔2022〕12号", None),
        (dt.date(2022, 6, 10), "到位", "中央", None, 1600000.00, "元", "财社〔2022〕58号", None),
        (dt.date(2022, 7, 5), "到位", "省级", None, 12, "万元", "省财社〔2022〕71号", None),
        (dt.date(2022, 9, 1), "到位", "县级", None, 68188.00, "元", "示财社〔2022〕12号", None),
    ]
    for k, (inst, _, _, _, _, contract, _) in enumerate(INSTITUTIONS):
        beds = round(paid_beds[inst], 2)
        visits = round(contract - beds, 2)
        first = round(visits * 0.6, 2)
        source = "中央"
        entries += [
            (dt.date(2022, 6, 20 + k), "拨付", source, inst, round(beds / 10000, 6), "万元", f"示民拨〔2022〕{11 + k}号", "家庭养老床位"),
            (dt.date(2022, 9, 15 + k), "拨付", source, inst, first, "元", f"示民拨〔2022〕{21 + k}号", "上门服务"),
            (dt.date(2022, 12, 12 + k), "拨付", source, inst, round(visits - first, 2), "元", f"示民拨〔2022〕{31 + k}号", "上门服务"),
            (dt.date(2022, 6, 28 + k), "支出", source, inst, beds, "元", f"记账凭证{k + 1}-0628", "家庭养老床位"),
            (dt.date(2022, 12, 26 + k), "支出", source, inst, round(visits * rng.uniform(0.86, 0.95), 2), "元",
             f"记账凭证{k + 1}-1226", "上门服务"),
            (dt.date(2022, 11, 18 + k), "支出", source, inst, round(0.3 + 0.1 * k, 2), "万元", f"记账凭证{k + 1}-1118", "其他"),
            (dt.date(2022, 12, 29), "机构支出", source, inst, INSTITUTION_OUTLAYS[k], "元", f"机构凭证{k + 1}-1229",
             "上门服务"),
        ]
    entries.sort(key=lambda e: (e[0], e[3] or ""))
    rows = []
    for i, (day, kind, source, inst, amount, unit, doc, purpose) in enumerate(entries):
        row = Row([_spell_date(day, i % 4), kind, source, inst, amount, unit, doc, purpose])
        if i < 4:
            row.defects.append(("accepted_format", "日期", "one of four date spellings (2022.9.1, 2022/09/01, "
                                                          "2022年9月1日, Excel serial number)"))
        if i < 2:
            row.defects.append(("accepted_format", "单位", f"money in {unit} (the 单位 column says which)"))
        rows.append(row)
    paid_wan = round(sum(e[4] / 10000 if e[5] == "元" else e[4] for e in entries if e[1] == "拨付"), 4)
    rows.append(Row(["合计", "拨付", None, None, paid_wan, "万元", None, None], kind="totals",
                    defects=[("totals_row", "日期", "totals row (合计) at the bottom")]))
    table = Table("funds.xlsx", "资金台账", [list(FUND_HEADERS)], rows)
    manifest.add_table(table, "funds.xlsx")
    save_xlsx(folder / "funds.xlsx", [table])


def write_survey(folder: Path, seed: int, manifest: Manifest, world: World) -> None:
    """survey.xlsx: 75 questionnaires issued, 2 not returned (absent), 2 invalid — one marked 有效=否, one with a blank
    answer (returned, not valid); letters or words as answers; the optional 服务对象编号 (a respondent of the
    institution) and 政策知晓 (是 / 否, two left blank: unknown) columns."""
    rng = random.Random(f"{seed}:survey")
    missing = sorted(rng.sample(range(1, 76), 2))
    invalid = sorted(rng.sample([n for n in range(1, 76) if n not in missing], 2))
    who = random.Random(f"{seed}:survey-respondents")  # a stream of its own: the answers above stay as they were
    served = {inst: [e.elder_id for e in world.elders if e.institution == inst] for inst, *_ in INSTITUTIONS}
    rows = []
    for n in range(1, 76):
        if n in missing:
            continue
        inst = INSTITUTIONS[(n - 1) % 3][0]
        day = dt.date(2022, 12, 5) + dt.timedelta(days=rng.randint(0, 11))
        answers = rng.choices(range(5), weights=SURVEY_ANSWER_WEIGHTS, k=6)
        words = rng.random() < 0.5
        cells = [SURVEY_WORDS[a] if words else "ABCDE"[a] for a in answers]
        blank = n == invalid[1]
        if blank:
            cells[2] = None
        aware = None if n in (7, 8) else ("否" if n % 10 == 0 else "是")
        row = Row([f"WJ{n:03d}", inst, day, *cells, "否" if n == invalid[0] else "是", who.choice(served[inst]), aware])
        if n == invalid[0]:
            row.defects.append(("invalid_questionnaire", "有效", "questionnaire marked invalid"))
        if blank:
            row.defects.append(("blank_answer", "第3题", "a blank answer: returned but not valid (not quarantined)"))
        rows.append(row)
    headers = ["问卷编号", "服务机构", "调查日期", *(f"第{i}题" for i in range(1, 7)), "有效", "服务对象编号", "政策知晓"]
    table = Table("survey.xlsx", "满意度调查", [headers], rows)
    manifest.add_table(table, "survey.xlsx")
    save_xlsx(folder / "survey.xlsx", [table])


# ---------------------------------------------------------------------------------------------------- entry points

def generate(out_dir: Path, seed: int = 2022) -> dict:
    """Write the sample region into `<out_dir>/370399/` and return its manifest (defects and row counts)."""
    folder = Path(out_dir) / REGION_CODE
    (folder / "visits").mkdir(parents=True, exist_ok=True)
    for stale in sorted((folder / "visits").glob("2022-*.*")):  # a month may change format between versions
        if stale.name not in {f"{m}.{f[0]}" for m, f in VISIT_FILES.items()}:
            stale.unlink()
    world = build_world(seed)
    manifest = Manifest()
    write_region_yaml(folder, world)
    write_institutions(folder, world, manifest)
    write_elders(folder, world, seed, manifest)
    write_status_events(folder, world, seed, manifest)
    paid_beds = write_beds(folder, world, seed, manifest)
    visits_per_month = write_visits(folder, plan_visits(world, seed), seed, manifest)
    write_funds(folder, paid_beds, seed, manifest)
    write_survey(folder, seed, manifest, world)
    by_type = {t: 0 for t, _ in SERVICE_TYPE_COUNTS}
    for elder in [*world.elders, world.duplicate]:
        by_type[elder.service_type] += 1
    return {
        "region_code": REGION_CODE,
        "seed": seed,
        "files": sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()),
        "counts": {
            "rows": manifest.rows,
            "blank_rows": {k: v for k, v in manifest.blank_rows.items() if v},
            "totals_rows": {k: v for k, v in manifest.totals_rows.items() if v},
            "elders_by_service_type": by_type,
            "visits_per_month": visits_per_month,
            "visits_total": sum(visits_per_month.values()),
        },
        "defects": manifest.defects,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data_raw", help="raw folder to write <out>/370399/ into")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    manifest = generate(Path(args.out), args.seed)
    json.dump(manifest, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
