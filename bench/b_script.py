"""B: the pipeline's work on one month done by hand in DuckDB, the practical limit A (`make run`) is measured against.

From the same raw folder: read every ledger of every region, apply the row rules, store the valid and the
quarantined rows in one transaction, then compute the shortfall person-months per institution and the programme
figures B reproduces (FIGURES: funds totals by kind, both execution rates, cost per bed, bed counts, valid
questionnaires, mean score and satisfaction) by the pipeline's definitions.

B is written by hand from the raw-ledger contract (shared/ledgers.md), not from A's code, and applies its rules:
cells cleaned (full-width made half-width, stripped; blank rows skipped, 合计 rows quarantined), dates (ISO, 2022/6/5,
2022年6月5日, yyyymmdd, Excel serials), money (separators, ￥, 元/万元 in the cell or the 单位 column, never
negative), whole numbers, yes/no spellings, the accepted spellings of every coded column (通过/未通过 = 合格/不合格,
死亡 = 去世, …), required cells, dates that cannot lie after the run's as-of date (the month end: completions,
acceptances, status changes, punch times), references to the *valid* rows of the ledger referred to (the items of
a quarantined bed are unknown references), and among duplicate keys the first copy that passed every other rule.
It uses the programme's default policy (the generated region.yaml files override nothing) and reads the headers
the contract's generators write (no header aliases): the practical limit, not a second implementation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

# Policy defaults (config/policy_defaults.yaml) and the generated regions' minimums, as B's constants.
MIN_VISITS, MIN_MINUTES, MIN_MEDICAL = 15, 900, 2
MEDICAL_ITEMS = ("医疗护理",)
HOME_SERVICE = ("home_visits", "both")
GAP_EVENTS = ("died", "paused", "moved_away", "institutionalised", "terminated")
WEIGHTS = {"A": 18, "B": 13, "C": 8, "D": 2, "E": 0}
WEIGHTS_Q6 = {"A": 10, "B": 7, "C": 4, "D": 1, "E": 0}
MAX_SCORE = 100.0
# Accepted spellings of the coded columns -> the value stored.
ANSWERS = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "E",
           "非常满意": "A", "满意": "B", "一般": "C", "不满意": "D", "非常不满意": "E"}
FUND_KINDS = {"下达": "allocated", "到位": "received", "拨付": "paid", "支出": "spent", "机构支出": "institution_spent"}
FUND_SOURCES = {"中央": "中央", "中央级": "中央", "省级": "省级", "省": "省级", "市级": "市级", "市": "市级",
                "县级": "县级", "县": "县级", "区级": "县级", "区": "县级", "其他": "其他"}
FUND_PURPOSES = {"家庭养老床位": "beds", "上门服务": "home_visits", "居家上门服务": "home_visits", "其他": "other"}
SERVICE_TYPES = {"家庭养老床位": "bed_only", "居家上门服务": "home_visits", "两者": "both",
                 "上门服务": "home_visits", "家庭养老床位+上门服务": "both", "床位+上门": "both"}
EVENTS = {"去世": "died", "死亡": "died", "暂停": "paused", "暂缓": "paused", "恢复": "resumed",
          "迁出": "moved_away", "入住机构": "institutionalised", "终止": "terminated"}
ACCEPTANCE = {"合格": "合格", "不合格": "不合格", "通过": "合格", "未通过": "不合格"}
CATEGORIES = {c: c for c in ("适老化改造", "智能化设备", "老年用品")}
SEXES = {"男": "男", "女": "女"}
RESPONDENT_GROUPS = {g: g for g in ("家庭养老床位", "居家上门服务")}
HARDSHIP = {"特困供养": "特困", "低保户": "低保", "低收入家庭": "低收入", "低边": "低保边缘"}  # open: others as written
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "对")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "不是", "没有")
# The figures B reproduces, by the programme's metric ids.
FIGURES = ("allocated_yuan", "received_yuan", "paid_yuan", "spent_yuan", "rubric_execution_rate",
           "self_evaluation_execution_rate", "cost_per_bed", "survey_valid", "mean_score", "satisfaction_rate",
           "beds_not_completed", "beds_failed_acceptance")
ID_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"

# Cell cleaning: full-width ASCII and the ideographic space made half-width, Unicode white space stripped.
FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALFWIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B))
               + "\u2028\u2029\u202f\u205f\u3000")
FULLWIDTH_RE = r"[\x{FF01}-\x{FF5E}\x{3000}]"
TOTALS = r"^\s*(合\s*计|总\s*计|小\s*计|累\s*计)"
TIME = r"([01]?[0-9]|2[0-3])\s*[:时点]\s*[0-5]?[0-9](\s*[:分]\s*[0-5]?[0-9](\.[0-9]+)?\s*秒?|\s*分)?"
WRITTEN_DATE = (r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})"
                rf"(\s*日?|(\s*日\s*|\s+|T){TIME})$")
COMPACT_DATETIME = rf"^([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})(\s+|T){TIME}$"
NUMBER = r"^[0-9]+(\.[0-9]+)?$"
MONEY = (r"^(-)?\s*(?:[¥￥]|rmb|人民币)?\s*(-)?\s*([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
         r"\s*(万\s*元|万|元|圆)?\s*整?$")
INT = r"^([+-])?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tuple(values) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _map(mapping: dict) -> str:
    return "MAP {" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in mapping.items()) + "}"


MACROS = [
    # (the slow functions only where needed: translate when a full-width character is there, trim when an end is
    # white space)
    f"create temp macro b_strip(s) as case when contains({_lit(WHITE_SPACE)}, s[1]) "
    f"or contains({_lit(WHITE_SPACE)}, s[-1]) then trim(s, {_lit(WHITE_SPACE)}) else s end",
    f"create temp macro b_code(x) as nullif(b_strip(case when regexp_matches(x, {_lit(FULLWIDTH_RE)}) "
    f"then translate(x, {_lit(FULLWIDTH)}, {_lit(HALFWIDTH)}) else x end), '')",
    "create temp macro b_text(x) as nullif(b_strip(x), '')",
    "create temp macro b_ymd(y, m, d) as case when y >= 1900 "
    "then try_cast(printf('%04d-%02d-%02d', y, m, d) as date) end",
    # an Excel serial (1900 system; 60 = the fictitious 1900-02-29) or a number yyyymmdd
    """create temp macro b_serial(f) as case
         when f = floor(f) and f between 10000000 and 99999999
              then b_ymd(floor(f / 10000)::int, (floor(f / 100) % 100)::int, (f % 100)::int)
         when f >= 1 and f < 60 then DATE '1899-12-31' + floor(f)::int
         when f >= 61 and f < 2958466 then DATE '1899-12-30' + floor(f)::int end""",
    f"""create temp macro b_date(c) as case
         when regexp_full_match(c, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') and c >= '1900' then try_cast(c as date)
         when regexp_matches(c, {_lit(NUMBER)}) then b_serial(c::double)
         else coalesce(
           b_ymd(try_cast(regexp_extract(c, {_lit(WRITTEN_DATE)}, 1) as int),
                 try_cast(regexp_extract(c, {_lit(WRITTEN_DATE)}, 2) as int),
                 try_cast(regexp_extract(c, {_lit(WRITTEN_DATE)}, 3) as int)),
           b_ymd(try_cast(regexp_extract(c, {_lit(COMPACT_DATETIME)}, 1) as int),
                 try_cast(regexp_extract(c, {_lit(COMPACT_DATETIME)}, 2) as int),
                 try_cast(regexp_extract(c, {_lit(COMPACT_DATETIME)}, 3) as int))) end""",
    # money in 元 (exact, rounded half-up to the fen); `factor` applies to a number written without a unit
    f"""create temp macro b_money_of(s, factor) as case when s['n1'] = '-' and s['n2'] = '-' then null else
         try_cast((case when s['n1'] = '-' or s['n2'] = '-' then -1 else 1 end)
                  * try_cast(replace(s['num'], ',', '') as decimal(38, 10))
          * case when regexp_replace(s['unit'], '\\s', '', 'g') in ('万元', '万') then 10000
                 when s['unit'] in ('元', '圆') then 1 else factor end as decimal(18, 2)) end""",
    f"""create temp macro b_money(c, factor) as case
         when regexp_full_match(c, '[0-9]+(\\.[0-9]+)?')
              then try_cast(try_cast(c as decimal(38, 10)) * factor as decimal(18, 2))
         when regexp_matches(lower(replace(c, '−', '-')), {_lit(MONEY)})
         then b_money_of(regexp_extract(lower(replace(c, '−', '-')), {_lit(MONEY)}, ['n1', 'n2', 'num', 'unit']),
                         factor) end""",
    f"""create temp macro b_int(c) as case when regexp_matches(c, {_lit(INT)})
         then (case when regexp_extract(c, {_lit(INT)}, 1) = '-' then -1 else 1 end)
              * try_cast(replace(regexp_extract(c, {_lit(INT)}, 2), ',', '') as bigint) end""",
    f"""create temp macro b_bool(c) as case when lower(c) in {_tuple(TRUE_WORDS)} then true
         when lower(c) in {_tuple(FALSE_WORDS)} then false end""",
]

# The columns of each ledger as the generators write them: (header, name, kind, required, option).
# kind: code | text | date | money | int | bool | enum (option = accepted spellings) | label (open vocabulary);
# option for date: 'as_of' = cannot lie after the run's as-of date; for money and int: the smallest value allowed.
COLUMNS = {
    "institutions": [("机构编号", "institution_id", "code", True, None), ("机构名称", "name", "text", True, None),
                     ("合同签订日期", "contract_signed", "date", False, None),
                     ("合同金额", "contract_amount_yuan", "money", False, 0),
                     ("计划床位数", "planned_beds", "int", True, 0)],
    "elders": [("服务对象编号", "elder_id", "code", True, None), ("身份证号", "id_number", "id_number", True, None),
               ("姓名", "name", "text", True, None), ("性别", "sex", "enum", False, SEXES),
               ("出生日期", "birth_date", "date", False, None), ("所属镇街", "township", "text", False, None),
               ("经济困难类型", "hardship", "label", True, HARDSHIP), ("能力等级", "ability_level", "label", True, {}),
               ("服务机构", "institution_id", "code", True, None),
               ("服务类型", "service_type", "enum", True, SERVICE_TYPES),
               ("纳入日期", "enrolled_on", "date", True, None), ("社会化", "self_funded", "bool", False, None)],
    "status_events": [("服务对象编号", "elder_id", "code", True, None), ("变更类型", "event", "enum", True, EVENTS),
                      ("变更日期", "event_date", "date", True, "as_of"), ("说明", "note", "text", False, None)],
    "beds": [("服务对象编号", "elder_id", "code", True, None), ("服务机构", "institution_id", "code", True, None),
             ("计划完成日期", "planned_completion", "date", True, None),
             ("实际开工日期", "started_on", "date", False, "as_of"),
             ("实际完成日期", "completed_on", "date", False, "as_of"),
             ("验收日期", "accepted_on", "date", False, "as_of"),
             ("验收结果", "acceptance", "enum", False, ACCEPTANCE),
             ("验收金额", "accepted_amount_yuan", "money", False, 0),
             ("实际支付金额", "paid_amount_yuan", "money", False, 0),
             ("已享受适老化改造", "previously_renovated", "bool", False, None)],
    "bed_items": [("服务对象编号", "elder_id", "code", True, None), ("类别", "category", "enum", True, CATEGORIES),
                  ("项目名称", "item", "text", True, None), ("数量", "quantity", "int", False, 1),
                  ("金额（元）", "amount_yuan", "money", True, 0), ("是否个性化", "personalised", "bool", False, None),
                  ("已录入信息系统", "in_info_system", "bool", False, None)],
    "funds": [("日期", "date", "date", True, None), ("类型", "kind", "enum", True, FUND_KINDS),
              ("资金来源", "source", "enum", True, FUND_SOURCES), ("拨付对象", "institution_id", "code", False, None),
              ("金额", "amount_yuan", "money", True, 0), ("单位", "unit", "code", False, None),
              ("文号", "document", "text", False, None), ("用途", "purpose", "enum", False, FUND_PURPOSES)],
    "survey": [("问卷编号", "questionnaire_id", "code", True, None), ("服务机构", "institution_id", "code", True, None),
               ("调查日期", "surveyed_on", "date", False, None),
               *((f"第{i}题", f"q{i}", "enum", False, ANSWERS) for i in range(1, 7)),  # blank: returned, not valid
               ("有效", "valid", "bool", False, None), ("服务对象编号", "elder_id", "code", False, None),
               ("政策知晓", "aware", "bool", False, None)],
}


def _value(col: str, kind: str, option, c: str) -> str:
    """The typed value of a cleaned cell `c` (NULL when unreadable)."""
    if kind == "date":
        return f"b_date({c})"
    if kind == "money":  # 金额 of the funds: its 单位 column says 元 or 万元 (anything else: 元)
        return f"b_money({c}, case when c_unit = '万元' then 10000 else 1 end)" if col == "金额" \
            else f"b_money({c}, 1)"
    if kind == "int":
        return f"b_int({c})"
    if kind == "bool":
        return f"b_bool({c})"
    if kind == "enum":
        return f"{_map(option)}[{c}]"
    if kind == "label":
        return f"coalesce({_map(option)}[{c}], {c})" if option else c
    if kind == "id_number":  # every white space removed, x upper-cased; valid 18-character numbers only
        return (f"case when regexp_full_match({c}, '[0-9]{{17}}[0-9X]') and substr({c}, 18, 1) = substr('10X98765432', "
                f"1 + list_sum(list_transform(range(17), lambda i: substr({c}, i + 1, 1)::int * {ID_WEIGHTS}[i + 1]))"
                f"::bigint % 11, 1) then {c} end")
    return c


def _typed(ledger: str, source: str) -> list[str]:
    """A ledger's rows, blank rows skipped, as t_<ledger>: region, file, line, every cell cleaned (c_<column>) and
    typed (<column>), and the first cell written. Two tables: DuckDB would otherwise clean a cell once per use."""
    cols = COLUMNS[ledger]
    clean = []
    for header, name, kind, _, _ in cols:
        cell = f'"{header}"'
        if kind == "text":
            clean.append(f"b_text({cell}) as c_{name}")
        elif kind == "id_number":
            clean.append(f"upper(regexp_replace(b_code({cell}), '\\s', '', 'g')) as c_{name}")
        else:
            clean.append(f"b_code({cell}) as c_{name}")
    first = "coalesce(" + ", ".join(f"c_{name}" for _, name, *_ in cols) + ")"
    typed = [f"{_value(h, kind, option, f'c_{name}')} as {name}" for h, name, kind, _, option in cols]
    return [f"""create temp table c_{ledger} as select * from (
                  select region_code, file, line, {', '.join(clean)}
                  from ({source})) where {first} is not null""",
            f"create temp table t_{ledger} as select *, {first} as first_cell, {', '.join(typed)} from c_{ledger}"]


def _cell_rules(ledger: str, as_of: str) -> str:
    """`when … then reason` of the first cell rule a row of t_<ledger> breaks: a totals row, an unreadable cell, a
    required cell missing, a value below its minimum, a date after the run's as-of date."""
    rules = [f"when first_cell like '%计%' and regexp_matches(translate(first_cell, {_lit(FULLWIDTH)}, "
             f"{_lit(HALFWIDTH)}), {_lit(TOTALS)}) then 'totals_row'"]
    for _, name, kind, required, option in COLUMNS[ledger]:
        if kind not in ("code", "text", "label"):
            rules.append(f"when c_{name} is not null and {name} is null then 'bad_{kind}: {name}'")
        if required:
            rules.append(f"when c_{name} is null then 'missing_required: {name}'")
        if kind in ("money", "int") and option is not None:
            rules.append(f"when {name} < {option} then 'less_than_{option}: {name}'")
        if option == "as_of":
            rules.append(f"when {name} > DATE '{as_of}' then 'after_as_of: {name}'")
    return " ".join(rules)


def _read(raw: Path, stem: str) -> str:
    """A ledger of every region, all text, with its region code, file and line (header = line 1)."""
    return (f"select regexp_extract(filename, '([0-9]{{6}})[/\\\\]{stem}', 1) as region_code, filename as file, "
            f"row_number() over (partition by filename) + 1 as line, * exclude (filename) "
            f"from read_csv('{raw}/*/{stem}.csv', filename = true, all_varchar = true, header = true)")


def _valid(ledger: str, alias: str, region: str = "region_code") -> str:
    """`exists` a valid row of `ledger` (f_<ledger>, key columns as named) for the row `alias` of the same region."""
    return f"exists (select 1 from f_{ledger} k where k.reason is null and k.region_code = {alias}.{region}"


def _first_copy(table: str, key: str) -> str:
    """Among duplicate keys the first copy that passed every other rule stays; later copies are quarantined."""
    return (f"select * replace (case when reason is null and row_number() over (partition by region_code, {key}, "
            f"reason is null order by line) > 1 then 'duplicate_key' else reason end as reason) from {table}")


def _ratio(num: str, den: str) -> str:
    """num ÷ den, NULL (not computable) for a zero or unknown denominator or a rate above 1."""
    return f"case when {den} is null or {den} = 0 or {num} is null or {num} > {den} or {num} < 0 then null " \
           f"else {num} / {den} end"


def load_sql(raw: Path, month: str, fmt: str, key: str) -> list[str]:
    """The statements of the load: raw → rules → valid tables and quarantine, in one transaction."""
    first = f"{month}-01"
    # A's bound without an as-of tag: the day the run is made, in Beijing (eldercare/as_of.py latest_row_date)
    as_of = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    pattern = f"{raw}/*/visits/{month}.{fmt}"
    visits = (f"read_parquet('{pattern}', filename = true)" if fmt == "parquet"
              else f"read_csv('{pattern}', filename = true, all_varchar = true)")
    cols = {name: [c[1] for c in spec] for name, spec in COLUMNS.items()}
    return [
        "begin transaction",
        *MACROS,
        "create schema valid", "create schema quarantine",
        # accepted regions: a folder with a region.yaml (the generated ones are valid)
        f"""create table valid.regions as select distinct regexp_extract(filename, '([0-9]{{6}})[/\\\\]region.yaml', 1)
              as region_code from read_text('{raw}/*/region.yaml')""",
        # institutions arrive as xlsx: read by the caller into r_institutions (region_code, file, line, columns)
        *_typed("institutions", "select * from r_institutions"),
        f"""create temp table u_institutions as select *, case {_cell_rules('institutions', as_of)} end as reason
              from t_institutions""",
        f"create temp table f_institutions as {_first_copy('u_institutions', 'institution_id')}",
        *_typed("elders", _read(raw, "elders")),
        f"""create temp table u_elders as select t.*, case {_cell_rules('elders', as_of)}
              when coalesce(birth_date, b_ymd(substr(id_number, 7, 4)::int, substr(id_number, 11, 2)::int,
                   substr(id_number, 13, 2)::int)) >= enrolled_on then 'born_before_enrolment'
              when not {_valid('institutions', 't')} and k.institution_id = t.institution_id) then 'unknown_reference'
              end as reason from t_elders t""",
        f"create temp table f_elders as {_first_copy('u_elders', 'elder_id')}",
        *_typed("status_events", _read(raw, "status_events")),
        f"""create temp table f_status_events as select t.*, case {_cell_rules('status_events', as_of)}
              when not {_valid('elders', 't')} and k.elder_id = t.elder_id) then 'unknown_reference'
              end as reason from t_status_events t""",
        *_typed("beds", _read(raw, "beds")),
        f"""create temp table u_beds as select t.*, case {_cell_rules('beds', as_of)}
              when not {_valid('elders', 't')} and k.elder_id = t.elder_id) then 'unknown_reference'
              when not {_valid('institutions', 't')} and k.institution_id = t.institution_id) then 'unknown_reference'
              when completed_on < started_on then 'completed_after_start'
              end as reason from t_beds t""",
        f"create temp table f_beds as {_first_copy('u_beds', 'elder_id')}",
        *_typed("bed_items", _read(raw, "bed_items")),
        f"""create temp table f_bed_items as select t.*, case {_cell_rules('bed_items', as_of)}
              when not {_valid('beds', 't')} and k.elder_id = t.elder_id) then 'unknown_reference'
              end as reason from t_bed_items t""",
        *_typed("funds", _read(raw, "funds")),
        f"""create temp table f_funds as select t.*, case {_cell_rules('funds', as_of)}
              when institution_id is not null and not {_valid('institutions', 't')}
                   and k.institution_id = t.institution_id) then 'unknown_reference'
              end as reason from t_funds t""",
        *_typed("survey", _read(raw, "survey")),
        f"""create temp table u_survey as select t.*, case {_cell_rules('survey', as_of)}
              when not {_valid('institutions', 't')} and k.institution_id = t.institution_id) then 'unknown_reference'
              end as reason from t_survey t""",
        f"create temp table f_survey as {_first_copy('u_survey', 'questionnaire_id')}",
        f"""create temp table f_visits as
            with v as (
                select regexp_extract(filename, '([0-9]{{6}})[/\\\\]visits[/\\\\]', 1) as region_code, filename as file,
                       row_number() over (partition by filename) + 1 as line,
                       "服务记录编号" as visit_id, "服务对象编号" as elder_id, "服务机构" as institution_id,
                       "护理员编号" as caregiver_id, "服务项目" as item, "签到时间"::timestamp as checkin,
                       "签退时间"::timestamp as checkout, "服务时长"::varchar as dur
                from {visits}),
            ruled as (
                select v.*, case
                  when not {_valid('elders', 'v')} and k.elder_id = v.elder_id) then 'unknown_reference'
                  when not {_valid('institutions', 'v')} and k.institution_id = v.institution_id)
                       then 'unknown_reference'
                  when checkout is not null and checkout < checkin then 'checkout_not_before_checkin'
                  when date_trunc('month', checkin) != DATE '{first}' then 'outside_month'
                  when checkout >= DATE '{as_of}' + 1 then 'after_as_of'
                  end as reason from v)
            select * replace (case when reason is null and row_number() over (
                       partition by region_code, visit_id, reason is null order by line) > 1
                     then 'duplicate_punch' else reason end as reason) from ruled""",
        # the stored tables: valid rows with personal data replaced (keyed hash, masks), quarantine with reasons
        f"""create table valid.institutions as select region_code, {', '.join(cols['institutions'])}
              from f_institutions where reason is null""",
        f"""create table valid.elders as select region_code, elder_id,
              sha256('{key}' || id_number) as id_hash,
              left(id_number, 6) || '********' || right(id_number, 4) as id_masked,
              left(name, 1) || '*' || case when length(name) > 2 then right(name, 1) else '' end as name_masked,
              {', '.join(c for c in cols['elders'] if c not in ('elder_id', 'id_number', 'name', 'self_funded'))},
              coalesce(self_funded, false) as self_funded
            from f_elders where reason is null""",
        "create table valid.status_events as select region_code, elder_id, event, event_date, note "
        "from f_status_events where reason is null",
        f"""create table valid.beds as select region_code, {', '.join(cols['beds'])} from f_beds
              where reason is null""",
        f"""create table valid.bed_items as select region_code, {', '.join(cols['bed_items'])} from f_bed_items
              where reason is null""",
        f"""create table valid.funds as select region_code, {', '.join(c for c in cols['funds'] if c != 'unit')}
              from f_funds where reason is null""",
        f"""create table valid.survey as select region_code, {', '.join(c for c in cols['survey'] if c != 'valid')},
              coalesce(valid, true) as valid from f_survey where reason is null""",
        """create table valid.visits as select region_code, visit_id, elder_id, institution_id, caregiver_id, item,
              checkin, checkout, dur from f_visits where reason is null""",
        "create table quarantine.rows as " + " union all ".join(
            f"select '{name}' as ledger, region_code, file, line, reason from f_{name} where reason is not null"
            for name in ("institutions", "elders", "status_events", "beds", "bed_items", "funds", "survey", "visits")),
        "commit",
    ]


def shortfalls_sql(month: str) -> str:
    """Per institution: in-scope and excluded person-months, and those below each minimum."""
    first = f"{month}-01"
    return f"""
with ev as (select * from valid.status_events),
gaps as (  -- a pause or an exit stops service until the next resumption, if any
    select p.region_code, p.elder_id, p.event_date as gap_start,
           (select min(r.event_date) from ev r where r.region_code = p.region_code and r.elder_id = p.elder_id
              and r.event = 'resumed' and r.event_date > p.event_date) as gap_end
    from ev p where p.event in {_tuple(GAP_EVENTS)}),
per_elder as (
    select region_code, elder_id, count(*) as visits,
           coalesce(sum(coalesce(try_cast(regexp_extract(dur, '(\\d+)小时', 1) as int), 0) * 60
                        + coalesce(try_cast(regexp_extract(dur, '(\\d+)分钟', 1) as int), 0))
                    filter (where checkout is not null), 0) as minutes,
           count(*) filter (where item in {_tuple(MEDICAL_ITEMS)}) as medical
    from valid.visits group by all),
pm as (  -- person-months: home-service elders (and anyone with visits); in scope for a whole month of service
    select e.region_code, e.institution_id, p.visits, p.minutes, p.medical,
           e.service_type in {_tuple(HOME_SERVICE)} and not e.self_funded and e.enrolled_on <= DATE '{first}'
           and not exists (select 1 from gaps g where g.region_code = e.region_code and g.elder_id = e.elder_id
                           and g.gap_start < DATE '{first}' + interval 1 month
                           and coalesce(g.gap_end, DATE '9999-12-31') > DATE '{first}') as in_scope
    from valid.elders e left join per_elder p using (region_code, elder_id)
    where e.service_type in {_tuple(HOME_SERVICE)} or p.visits is not null)
select region_code, institution_id,
       count(*) filter (where in_scope) as in_scope_person_months,
       count(*) filter (where not in_scope) as excluded_person_months,
       count(*) filter (where in_scope and coalesce(visits, 0) < {MIN_VISITS}) as below_visits,
       count(*) filter (where in_scope and coalesce(minutes, 0) < {MIN_MINUTES}) as below_minutes,
       count(*) filter (where in_scope and coalesce(medical, 0) < {MIN_MEDICAL}) as below_medical_visits
from pm group by all order by all
"""


def _score(q: int) -> str:
    weights = WEIGHTS_Q6 if q == 6 else WEIGHTS
    return f"coalesce(case q{q} " + " ".join(f"when '{k}' then {v}" for k, v in weights.items()) + " end, 0)"


def figures_sql() -> str:
    """The programme figures B reproduces, one row per region (institution NULL) or institution × metric, value;
    NULL where the figure is not computable. A figure of the regions only has no institution rows."""
    score = " + ".join(_score(q) for q in range(1, 7))
    answered = " and ".join(f"q{q} is not null" for q in range(1, 7))
    kinds = ", ".join(f"sum(amount_yuan) filter (where kind = '{k}') as {k}, count(*) filter (where kind = '{k}') "
                      f"as n_{k}" for k in ("allocated", "received", "paid", "spent"))

    def scoped(name: str, aggregates: str, source: str, zero: bool) -> str:
        """`name`: the aggregates per region and per institution, one row for every region and valid institution
        (zero: scopes without rows get 0, else NULL)."""
        fill = "coalesce(a.{0}, 0) as {0}" if zero else "a.{0} as {0}"
        columns = [part.rsplit(" as ", 1)[1].strip() for part in aggregates.split(", ") if " as " in part]
        return f"""{name}_agg as (select region_code, institution_id, {aggregates} from {source}
                       group by grouping sets ((region_code), (region_code, institution_id))
                       having grouping(institution_id) = 1 or institution_id is not null),
                   {name} as (select sc.region_code, sc.institution_id, {', '.join(fill.format(c) for c in columns)}
                       from scopes sc left join {name}_agg a on a.region_code = sc.region_code
                         and a.institution_id is not distinct from sc.institution_id)"""

    beds = ("count(*) as n_beds, count(*) filter (where completed_on is not null and paid_amount_yuan is not null) "
            "as priced, sum(paid_amount_yuan) filter (where completed_on is not null) as paid_built, "
            "count(*) filter (where completed_on is null) as not_completed, "
            "count(*) filter (where acceptance = '不合格') as failed")
    survey = "count(*) as returned, count(*) filter (where ok) as n_valid, sum(score) filter (where ok) as total"
    region = "institution_id is null"
    return f"""
with scopes as (select region_code, null::varchar as institution_id from valid.regions
                union all select distinct region_code, institution_id from valid.institutions
                where region_code in (select region_code from valid.regions)),
sv as (select *, coalesce(valid, true) and {answered} as ok, {score} as score from valid.survey),
{scoped('fm', kinds, 'valid.funds', False)},
{scoped('bm', beds, 'valid.beds', True)},
{scoped('sm', survey, 'sv', True)},
long as (
    select region_code, institution_id, 'allocated_yuan' as metric, allocated as value from fm where {region}
    union all select region_code, institution_id, 'received_yuan', received from fm where {region}
    union all select region_code, institution_id, 'paid_yuan', paid from fm
    union all select region_code, institution_id, 'spent_yuan', spent from fm
    union all select region_code, institution_id, 'rubric_execution_rate', {_ratio('spent', 'received')}
              from fm where {region}
    union all select region_code, institution_id, 'self_evaluation_execution_rate', {_ratio('spent', 'allocated')}
              from fm where {region}
    union all select region_code, institution_id, 'cost_per_bed',
              case when priced > 0 and paid_built >= 0 then paid_built / priced end from bm
    union all select region_code, institution_id, 'beds_not_completed',
              case when institution_id is not null or n_beds > 0 then not_completed end from bm
    union all select region_code, institution_id, 'beds_failed_acceptance',
              case when institution_id is not null or n_beds > 0 then failed end from bm
    union all select region_code, institution_id, 'survey_valid',
              case when institution_id is not null or returned > 0 then n_valid end from sm
    union all select region_code, institution_id, 'mean_score',
              case when (institution_id is not null or returned > 0) and n_valid > 0 then total / n_valid end from sm
    union all select region_code, institution_id, 'satisfaction_rate',
              case when (institution_id is not null or returned > 0) and n_valid > 0 and total / n_valid >= 0
                   and total / n_valid <= {MAX_SCORE} then total / n_valid / {MAX_SCORE} end from sm)
select region_code, institution_id, metric, value::double as value from long order by all
"""
