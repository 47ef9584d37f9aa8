"""B: the pipeline's work on one month done by hand in DuckDB, the practical limit A (`make run`) is measured against.

From the same raw folder: read every ledger of every region, apply the row rules, store the valid and the
quarantined rows in one transaction, then compute the shortfall person-months per institution and a faithful
reduced set of programme figures (funds totals by kind, both execution rates, cost per bed, mean score and
satisfaction, bed counts). B applies the rules the generators exercise, with the programme's default policy (the
generated region.yaml files override nothing): it is the practical limit, not a second implementation.
"""

from __future__ import annotations

from pathlib import Path

# Policy defaults (config/policy_defaults.yaml) and the generated regions' minimums, as B's constants.
MIN_VISITS, MIN_MINUTES, MIN_MEDICAL = 15, 900, 2
MEDICAL_ITEMS = ("医疗护理",)
HOME_SERVICE = ("两者", "居家上门服务")
GAP_EVENTS = ("去世", "暂停", "迁出", "入住机构", "终止")
WEIGHTS = {"A": 18, "B": 13, "C": 8, "D": 2, "E": 0}
WEIGHTS_Q6 = {"A": 10, "B": 7, "C": 4, "D": 1, "E": 0}
MAX_SCORE = 100.0
ANSWERS = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "E",
           "非常满意": "A", "满意": "B", "一般": "C", "不满意": "D", "非常不满意": "E"}
FUND_KINDS = {"下达": "allocated", "到位": "received", "拨付": "paid", "支出": "spent"}
# The figures B reproduces, by the programme's metric ids.
FIGURES = ("allocated_yuan", "received_yuan", "paid_yuan", "spent_yuan", "rubric_execution_rate",
           "self_evaluation_execution_rate", "cost_per_bed", "survey_valid", "mean_score", "satisfaction_rate",
           "beds_not_completed", "beds_failed_acceptance")
ID_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"


def _tuple(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _map(mapping: dict) -> str:
    return "MAP {" + ", ".join(f"'{k}': '{v}'" for k, v in mapping.items()) + "}"


def _read(raw: Path, stem: str) -> str:
    """A ledger of every region, all text, with its region code, file and line (header = line 1)."""
    return (f"select regexp_extract(filename, '([0-9]{{6}})[/\\\\]{stem}', 1) as region_code, filename as file, "
            f"row_number() over (partition by filename) + 1 as line, * exclude (filename) "
            f"from read_csv('{raw}/*/{stem}.csv', filename = true, all_varchar = true, header = true)")


def _ratio(num: str, den: str) -> str:
    """num ÷ den, NULL (not computable) for a zero or unknown denominator or a rate above 1."""
    return f"case when {den} is null or {den} = 0 or {num} is null or {num} > {den} or {num} < 0 then null " \
           f"else {num} / {den} end"


def load_sql(raw: Path, month: str, fmt: str, key: str) -> list[str]:
    """The statements of the load: raw → rules → valid tables and quarantine, in one transaction."""
    first = f"{month}-01"
    pattern = f"{raw}/*/visits/{month}.{fmt}"
    visits = (f"read_parquet('{pattern}', filename = true)" if fmt == "parquet"
              else f"read_csv('{pattern}', filename = true, all_varchar = true)")
    hardship = _tuple(("低保", "低保边缘", "特困", "低收入"))
    stypes = _tuple(("家庭养老床位", "居家上门服务", "两者"))
    events = _tuple((*GAP_EVENTS, "恢复"))
    answers = _tuple(ANSWERS)
    q_rules = " ".join(f"when coalesce(\"第{i}题\", '') not in {answers} then 'not_in_vocabulary: q{i}'"
                       for i in range(1, 7))
    return [
        "begin transaction",
        "create schema valid", "create schema quarantine",
        # institutions arrive as xlsx: read by the caller into r_institutions (region_code, file, line, columns)
        f"""create temp table f_institutions as select *, case
              when "机构编号" is null then 'required: institution_id'
              when try_cast("计划床位数" as int) is null then 'not_an_int: planned_beds'
              when count(*) over (partition by region_code, "机构编号") > 1 then 'duplicate_key'
              end as reason from r_institutions""",
        f"""create temp table f_elders as select e.*, case
              when "服务对象编号" is null then 'required: elder_id'
              when not regexp_full_match(coalesce("身份证号", ''), '[0-9]{{17}}[0-9X]') then 'bad_id_number'
              when substr("身份证号", 18, 1) != substr('10X98765432', 1 + list_sum(list_transform(range(17),
                   lambda i: substr("身份证号", i + 1, 1)::int * {ID_WEIGHTS}[i + 1]))::bigint % 11, 1) then 'bad_id_number'
              when "经济困难类型" not in {hardship} then 'not_in_vocabulary: hardship'
              when "服务类型" not in {stypes} then 'not_in_vocabulary: service_type'
              when try_cast("纳入日期" as date) is null then 'bad_date: enrolled_on'
              when not exists (select 1 from f_institutions i where i.reason is null
                   and i.region_code = e.region_code and i."机构编号" = e."服务机构") then 'unknown_reference'
              when count(*) over (partition by e.region_code, "服务对象编号") > 1 then 'duplicate_key'
              end as reason from ({_read(raw, 'elders')}) e""",
        f"""create temp table f_status_events as select s.*, case
              when "变更类型" not in {events} then 'not_in_vocabulary: event'
              when try_cast("变更日期" as date) is null then 'bad_date: event_date'
              when not exists (select 1 from f_elders e where e.reason is null and e.region_code = s.region_code
                   and e."服务对象编号" = s."服务对象编号") then 'unknown_reference'
              end as reason from ({_read(raw, 'status_events')}) s""",
        f"""create temp table f_beds as select b.*, case
              when try_cast("计划完成日期" as date) is null then 'bad_date: planned_completion'
              when "验收结果" is not null and "验收结果" not in ('合格', '不合格') then 'not_in_vocabulary: acceptance'
              when "实际支付金额" is not null and try_cast(replace("实际支付金额", ',', '') as decimal(18, 2)) is null
                   then 'not_an_amount: paid_amount_yuan'
              when not exists (select 1 from f_elders e where e.reason is null and e.region_code = b.region_code
                   and e."服务对象编号" = b."服务对象编号") then 'unknown_reference'
              when count(*) over (partition by b.region_code, "服务对象编号") > 1 then 'duplicate_key'
              end as reason from ({_read(raw, 'beds')}) b""",
        f"""create temp table f_bed_items as select t.*, case
              when "类别" not in ('适老化改造', '智能化设备', '老年用品') then 'not_in_vocabulary: category'
              when try_cast("金额（元）" as decimal(18, 2)) is null then 'not_an_amount: amount_yuan'
              when not exists (select 1 from f_beds b where b.reason is null and b.region_code = t.region_code
                   and b."服务对象编号" = t."服务对象编号") then 'unknown_reference'
              end as reason from ({_read(raw, 'bed_items')}) t""",
        f"""create temp table f_funds as select f.*, case
              when try_cast("日期" as date) is null then 'bad_date: date'
              when "类型" not in {_tuple(FUND_KINDS)} then 'not_in_vocabulary: kind'
              when try_cast(replace("金额", ',', '') as decimal(18, 6)) is null then 'not_an_amount: amount_yuan'
              when "拨付对象" is not null and not exists (select 1 from f_institutions i where i.reason is null
                   and i.region_code = f.region_code and i."机构编号" = f."拨付对象") then 'unknown_reference'
              end as reason from ({_read(raw, 'funds')}) f""",
        f"""create temp table f_survey as select s.*, case {q_rules}
              when not exists (select 1 from f_institutions i where i.reason is null
                   and i.region_code = s.region_code and i."机构编号" = s."服务机构") then 'unknown_reference'
              when count(*) over (partition by s.region_code, "问卷编号") > 1 then 'duplicate_key'
              end as reason from ({_read(raw, 'survey')}) s""",
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
                  when not exists (select 1 from f_elders e where e.reason is null and e.region_code = v.region_code
                       and e."服务对象编号" = v.elder_id) then 'unknown_reference'
                  when checkout is not null and checkout < checkin then 'checkout_not_before_checkin'
                  when date_trunc('month', checkin) != DATE '{first}' then 'outside_month'
                  end as reason from v)
            select * replace (case when reason is null and row_number() over (
                       partition by region_code, visit_id, reason is null order by line) > 1
                     then 'duplicate_punch' else reason end as reason) from ruled""",
        # the stored tables: valid rows with personal data replaced (keyed hash, masks), quarantine with reasons
        f"""create table valid.institutions as select region_code, "机构编号" as institution_id, "机构名称" as name,
              "合同金额" as contract_amount, "计划床位数"::int as planned_beds from f_institutions where reason is null""",
        f"""create table valid.elders as select region_code, "服务对象编号" as elder_id,
              sha256('{key}' || "身份证号") as id_hash, left("身份证号", 6) || '********' || right("身份证号", 4) as id_masked,
              left("姓名", 1) || '*' || case when length("姓名") > 2 then right("姓名", 1) else '' end as name_masked,
              "服务机构" as institution_id, "服务类型" as service_type, "纳入日期"::date as enrolled_on,
              coalesce("社会化" = '是', false) as self_funded, "经济困难类型" as hardship, "能力等级" as ability_level
            from f_elders where reason is null""",
        """create table valid.status_events as select region_code, "服务对象编号" as elder_id, "变更类型" as event,
              "变更日期"::date as event_date from f_status_events where reason is null""",
        """create table valid.beds as select region_code, "服务对象编号" as elder_id, "服务机构" as institution_id,
              "计划完成日期"::date as planned_completion, try_cast("实际完成日期" as date) as completed_on,
              "验收结果" as acceptance, try_cast(replace("验收金额", ',', '') as decimal(18, 2))::double as accepted_amount_yuan,
              try_cast(replace("实际支付金额", ',', '') as decimal(18, 2))::double as paid_amount_yuan
            from f_beds where reason is null""",
        """create table valid.bed_items as select region_code, "服务对象编号" as elder_id, "类别" as category,
              "项目名称" as item, try_cast("数量" as int) as quantity,
              try_cast("金额（元）" as decimal(18, 2))::double as amount_yuan from f_bed_items where reason is null""",
        f"""create table valid.funds as select region_code, "日期"::date as date,
              {_map(FUND_KINDS)}["类型"] as kind, "资金来源" as source, "拨付对象" as institution_id,
              (try_cast(replace("金额", ',', '') as decimal(18, 6))
               * case when "单位" = '万元' then 10000 else 1 end)::double as amount_yuan, "用途" as purpose
            from f_funds where reason is null""",
        f"""create table valid.survey as select region_code, "问卷编号" as questionnaire_id, "服务机构" as institution_id,
              {', '.join(f'{_map(ANSWERS)}["第{i}题"] as q{i}' for i in range(1, 7))},
              coalesce("有效", '是') != '否' as valid from f_survey where reason is null""",
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
              and r.event = '恢复' and r.event_date > p.event_date) as gap_end
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
    return "case q{q} ".format(q=q) + " ".join(f"when '{k}' then {v}" for k, v in weights.items()) + " end"


def figures_sql() -> str:
    """The reduced programme figures, one row per region (institution NULL) or institution × metric, value."""
    score = " + ".join(_score(q) for q in range(1, 7))
    kinds = ", ".join(f"sum(amount_yuan) filter (where kind = '{k}') as {k}" for k in FUND_KINDS.values())
    inst_kinds = ", ".join(f"coalesce(sum(f.amount_yuan) filter (where f.kind = '{k}'), 0) as {k}"
                           for k in ("paid", "spent"))
    return f"""
with fr as (select region_code, {', '.join(f'coalesce({k}, 0) as {k}' for k in FUND_KINDS.values())}
            from (select region_code, {kinds} from valid.funds group by all)),
fi as (select i.region_code, i.institution_id, {inst_kinds}
       from valid.institutions i left join valid.funds f
         on f.region_code = i.region_code and f.institution_id = i.institution_id group by all),
bd as (select *, completed_on is not null and paid_amount_yuan is not null as priced from valid.beds),
br as (select region_code, null::varchar as institution_id, sum(paid_amount_yuan) filter (where priced) as paid,
              count(*) filter (where priced) as priced, count(*) filter (where completed_on is null) as not_completed,
              count(*) filter (where acceptance = '不合格') as failed from bd group by all),
bi as (select i.region_code, i.institution_id, sum(b.paid_amount_yuan) filter (where b.priced) as paid,
              count(*) filter (where b.priced) as priced, count(*) filter (where b.completed_on is null
              and b.elder_id is not null) as not_completed, count(*) filter (where b.acceptance = '不合格') as failed
       from valid.institutions i left join bd b on b.region_code = i.region_code
         and b.institution_id = i.institution_id group by all),
sv as (select *, {score} as score from valid.survey),
sr as (select region_code, null::varchar as institution_id, count(*) filter (where valid) as n,
              sum(score) filter (where valid) as total from sv group by all),
si as (select i.region_code, i.institution_id, count(*) filter (where s.valid) as n,
              sum(s.score) filter (where s.valid) as total
       from valid.institutions i left join sv s on s.region_code = i.region_code
         and s.institution_id = i.institution_id group by all),
long as (
    select region_code, null::varchar as institution_id, 'allocated_yuan' as metric, allocated as value from fr
    union all select region_code, null, 'received_yuan', received from fr
    union all select region_code, null, 'paid_yuan', paid from fr
    union all select region_code, null, 'spent_yuan', spent from fr
    union all select region_code, null, 'rubric_execution_rate', {_ratio('spent', 'received')} from fr
    union all select region_code, null, 'self_evaluation_execution_rate', {_ratio('spent', 'allocated')} from fr
              where allocated > 0
    union all select region_code, institution_id, 'paid_yuan', paid from fi
    union all select region_code, institution_id, 'spent_yuan', spent from fi
    union all select region_code, institution_id, 'rubric_execution_rate', {_ratio('spent', 'paid')} from fi
    union all select region_code, institution_id, 'cost_per_bed', case when priced > 0 then paid / priced end
              from (select * from br union all select * from bi)
    union all select region_code, institution_id, 'beds_not_completed', not_completed from br
    union all select region_code, institution_id, 'beds_failed_acceptance', failed from br
    union all select region_code, institution_id, 'beds_not_completed', not_completed from bi
    union all select region_code, institution_id, 'beds_failed_acceptance', failed from bi
    union all select region_code, institution_id, 'survey_valid', n from (select * from sr union all select * from si)
    union all select region_code, institution_id, 'mean_score', case when n > 0 then total / n end
              from (select * from sr union all select * from si)
    union all select region_code, institution_id, 'satisfaction_rate',
              case when n > 0 and total / n <= {MAX_SCORE} then total / n / {MAX_SCORE} end
              from (select * from sr union all select * from si))
select region_code, institution_id, metric, value::double as value from long order by all
"""
