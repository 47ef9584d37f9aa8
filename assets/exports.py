"""Exports: the official workbooks, the reviewer report, the data docs and the summary of every region, written
under the exports folder from the warehouse, so that what is handed on is exactly what was computed.

Thin wiring: read tables by SQL (eldercare.exports.sources), compute over whole tables once (every region at a time),
then write one folder per region of `files.regions` (config/exports.yaml, or ELDERCARE_EXPORT_REGIONS); each file's
path goes into the materialisation metadata. A table not built yet makes its values 'not computable', never 0.
"""


import dagster as dg
import pandas as pd

from assets.run_context import run_as_of
from checks.data_docs_checks import DATA_DOCS_KEY, data_docs_check_results, data_docs_check_specs
from eldercare.exports import data_docs as dd
from eldercare.exports import files, sources
from eldercare.exports.declaration import declaration_header, write_declaration
from eldercare.exports.findings import (FINDING_COLUMNS, FINDINGS_TABLE, INDICATOR_FIGURES_SQL, store_findings,
                                        summarise, write_findings)
from eldercare.exports.indicators import INDICATOR_IDS, declaration_problems, indicator_tables
from eldercare.exports.report import report_inputs, write_report
from eldercare.exports.score_sheet import write_score_sheets
from eldercare.exports.self_evaluation import fund_rows, score_indicators, write_self_evaluation
from eldercare.exports.shortfall_details import write_shortfall_details
from eldercare.exports.summary import FILE_NAME, finding_counts, indicator_rows, score_rows, write_summary
from resources import ExportsFolder, RawFolder, Warehouse

GROUP = "exports"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
KINDS = {"excel", "duckdb"}
FIGURES = dg.AssetKey(["metrics", "figures"])
SCORES = [dg.AssetKey(["scores", n]) for n in ("indicator_scores", "totals", "departures")]
REGIONS = dg.AssetKey(["validated", "regions"])



def _written(paths: dict[str, object]) -> dict[str, dg.MetadataValue]:
    """Metadata: every file's path, one entry per region, and the list."""
    meta = {f"path_{code}": dg.MetadataValue.path(str(p)) for code, p in paths.items()}
    meta["files"] = dg.MetadataValue.json({code: str(p) for code, p in paths.items()})
    meta["regions_with_files"] = len(paths)
    return meta


def _regions(context: dg.AssetExecutionContext, raw_folder: RawFolder, exports_folder: ExportsFolder) -> tuple[list, list]:
    """(every accepted region, those whose files this run writes); requested codes that are not regions are named."""
    regions = raw_folder.regions()[0]
    codes, unknown = exports_folder.regions_with_files([r.code for r in regions])
    if unknown:
        context.log.warning(f"files requested for regions that are not in this run: {unknown} "
                            "(config/exports.yaml files.regions or ELDERCARE_EXPORT_REGIONS)")
    chosen = set(codes)
    return regions, [r for r in regions if r.code in chosen]


def _indicators(figures: pd.DataFrame | None, regions: list) -> dict[str, pd.DataFrame]:
    """Each region's 12 indicators (indicators.indicator_table's frame), joined for all of them at once."""
    codes = [r.code for r in regions]
    split = sources.by_region(indicator_tables(figures, {r.code: r.settings for r in regions}), codes)
    return {code: split[code].drop(columns="region_code").reset_index(drop=True) for code in codes}


def _nothing_to_write(as_of) -> dg.MaterializeResult:
    """No region gets files in this run (files.regions: none): the warehouse tables are not read for nothing."""
    return dg.MaterializeResult(metadata={**_written({}), "as_of": as_of.isoformat()})


def _tables(warehouse: Warehouse, names: list[str]) -> tuple[set[str], dict[str, pd.DataFrame | None]]:
    with warehouse.connect(read_only=False) as con:
        have = sources.tables(con)
        return have, {n: sources.read(con, n, have) for n in names}


def _missing(context: dg.AssetExecutionContext, frames: dict[str, pd.DataFrame | None]) -> list[str]:
    missing = [n for n, f in frames.items() if f is None]
    if missing:
        context.log.warning(f"tables not built yet, their values are 'not computable': {missing}")
    return missing


ASSET = dict(group_name=GROUP, owners=OWNERS, pool=POOL, kinds=KINDS)


@dg.asset(key=["exports", "declaration"], deps=[FIGURES, REGIONS], **ASSET)
def declaration(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
                exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """项目绩效目标申报表 per region (layout of seed 000): the 12 indicators in order with last year's data and the
    two targets from region.yaml (`declaration:`; this year's target falls back to `targets:`), this year's value
    from metrics.figures, and 'not computable: why' where there is none."""
    as_of = run_as_of(context)
    regions, with_files = _regions(context, raw_folder, exports_folder)
    if with_files:
        _, t = _tables(warehouse, [sources.FIGURES])
    else:  # no file written: whether the table exists is all the metadata needs (not 12 figures × every subject)
        with warehouse.connect(read_only=False) as con:
            t = {sources.FIGURES: True if sources.FIGURES in sources.tables(con) else None}
    missing = _missing(context, t)
    paths, problems = {}, []
    for region in regions:
        for problem in declaration_problems(region.settings):
            context.log.warning(f"{region.code} region.yaml: {problem}")
            problems.append(f"{region.code}: {problem}")
    tables = _indicators(t[sources.FIGURES], with_files) if with_files else {}
    for region in with_files:
        header = declaration_header(region)
        table = tables[region.code]
        path = files.export_path(exports_folder.root, region.code, region.name, "declaration", exports_folder.internal)
        paths[region.code] = write_declaration(path, header, table, as_of)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat(), "tables_missing": missing,
                                          "declaration_problems": problems})


@dg.asset(key=["exports", "self_evaluation"], deps=[FIGURES, REGIONS], **ASSET)
def self_evaluation(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
                    exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """整体绩效目标自评表 per region (layout of seed 001): 全年预算数 A (下达), 全年执行数 B (支出), 执行率 and its score,
    then each indicator's target, actual, points, score and the reason for a shortfall. Points and the scoring rule:
    config/exports.yaml `self_evaluation`."""
    as_of = run_as_of(context)
    rules = exports_folder.settings().self_evaluation
    _, with_files = _regions(context, raw_folder, exports_folder)
    if not with_files:
        return _nothing_to_write(as_of)
    _, t = _tables(warehouse, [sources.FIGURES])
    missing = _missing(context, t)
    paths = {}
    by_code = sources.by_region(t[sources.FIGURES], [r.code for r in with_files])
    tables = _indicators(t[sources.FIGURES], with_files)
    for region in with_files:
        figures = by_code[region.code]
        funds = fund_rows(figures, region.code, region.targets.get("budget_wan"), rules.execution_points)
        scored = score_indicators(tables[region.code], rules)
        goals = declaration_header(region).goals
        path = files.export_path(exports_folder.root, region.code, region.name, "self_evaluation",
                                 exports_folder.internal)
        paths[region.code] = write_self_evaluation(path, region.name, region.project_year, funds, scored,
                                                   rules.execution_points, as_of, goals)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat(), "tables_missing": missing})


@dg.asset(key=["exports", "score_sheets"], deps=[*SCORES, REGIONS, dg.AssetKey(["validated", "institutions"])], **ASSET)
def score_sheets(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
                 exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """绩效评价得分表 per region: one sheet for the project and one per institution, each indicator's maximum, score,
    rule or evidence, level totals, grade and veto (scores.indicator_scores / totals), overrides marked ※ and every
    departure from the computed score listed with its reason (scores.departures)."""
    as_of = run_as_of(context)
    _, with_files = _regions(context, raw_folder, exports_folder)
    if not with_files:
        return _nothing_to_write(as_of)
    _, t = _tables(warehouse, [sources.INDICATOR_SCORES, sources.TOTALS, sources.DEPARTURES, "validated.institutions"])
    missing = _missing(context, {k: v for k, v in t.items() if k.startswith("scores.")})
    institutions = t["validated.institutions"]
    scores = t[sources.INDICATOR_SCORES]
    paths = {}
    codes = [r.code for r in with_files]
    insts, by_scores = sources.by_region(institutions, codes), sources.by_region(scores, codes)
    by_totals, by_deps = sources.by_region(t[sources.TOTALS], codes), sources.by_region(t[sources.DEPARTURES], codes)
    for region in with_files:
        subjects = [(region.code, f"项目（{region.name}）")]
        if insts[region.code] is not None:
            subjects += [(r.institution_id, f"{r.institution_id} {r.name}") for r in insts[region.code].itertuples()]
        deps = by_deps[region.code]
        path = files.export_path(exports_folder.root, region.code, region.name, "score_sheets", exports_folder.internal)
        keep = {s for s, _ in subjects}
        paths[region.code] = write_score_sheets(
            path, region.name, subjects, by_scores[region.code], by_totals[region.code],
            deps[deps["subject"].isin(keep)] if deps is not None else None, as_of)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat(), "tables_missing": missing})


def _findings_missing(have: set[str]) -> dict[str, bool | None]:
    """The tables the findings are read from, by the names `tables_missing` lists (None: not built yet)."""
    tables = {sources.FIGURES: sources.FIGURES, "metrics.visit_findings": "metrics.visit_findings",
              "short_months": "metrics.elder_months",
              **{f"metrics.{k}_detail": f"metrics.{k}_detail" for k in sources.FINDING_DETAILS}}
    return {name: (True if table in have else None) for name, table in tables.items()}


@dg.asset(key=["exports", "findings"],
          deps=[FIGURES, REGIONS, *[dg.AssetKey(["metrics", n]) for n in ("visit_findings", "elder_months",
                                                                          *sources.FINDING_DETAILS)]], **ASSET)
def findings(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
             exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """问题清单: every finding of every region in `exports.findings` (one SQL select over whole tables), grouped by category
    (目标编制 / 业务管理 / 项目产出 / 项目效益, configured in config/exports.yaml) and institution, each with the
    visits (file and row), person-months or beds behind it: visit findings, person-months below a minimum,
    ineligible registrations, beds above the cap, late or failed beds, overspend, double renovation, figures not
    computable, targets missed. Each region with files gets its workbook (summary and 明细 sheets)."""
    as_of = run_as_of(context)
    rules = exports_folder.settings().findings
    regions, with_files = _regions(context, raw_folder, exports_folder)
    with warehouse.transaction() as con:  # built by SQL where the tables are: only the 12 indicators pass through here
        have = sources.tables(con)
        figures = (con.execute(INDICATOR_FIGURES_SQL, [list(INDICATOR_IDS)]).df() if sources.FIGURES in have
                   else None)
        indicators = indicator_tables(figures, {r.code: r.settings for r in regions})
        stored = store_findings(con, rules, indicators, have)
        counts = dict(con.execute(f"select category, count(*) from {FINDINGS_TABLE} group by category "
                                  "order by category").fetchall())
    missing = _missing(context, _findings_missing(have))
    paths = {}
    codes = [r.code for r in with_files]
    if codes:
        with warehouse.connect(read_only=False) as con:  # stored order: the 明细 sheet's
            rows = con.execute(f"select * from {FINDINGS_TABLE} where region_code in (select unnest(?::VARCHAR[]))",
                               [codes]).df()
        by_code = sources.by_region(rows, codes)
        for region in with_files:
            path = files.export_path(exports_folder.root, region.code, region.name, "findings",
                                     exports_folder.internal)
            paths[region.code] = write_findings(path, region.name, by_code[region.code].reset_index(drop=True), as_of)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat(), "tables_missing": missing,
                                          "dagster/row_count": stored, "table": FINDINGS_TABLE,
                                          "findings_by_category": dg.MetadataValue.json(counts)})


@dg.asset(key=["exports", "shortfall_details"], deps=[REGIONS, dg.AssetKey(["metrics", "elder_months"]),
                                                      dg.AssetKey(["metrics", "visit_shortfalls"])], **ASSET)
def shortfall_details(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
                      exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """上门服务不达标明细 per region: counts of in-scope person-months below each monthly minimum per institution and
    month (metrics.visit_shortfalls), and every such person-month with its visits, hours, unrecorded visits and
    medical visits (metrics.elder_months). Internal exports add the masked ID number."""
    as_of = run_as_of(context)
    _, with_files = _regions(context, raw_folder, exports_folder)
    if not with_files:
        return _nothing_to_write(as_of)
    with warehouse.connect(read_only=False) as con:
        have = sources.tables(con)
        short = sources.short_months(con, have, exports_folder.internal)
        shortfalls = sources.read(con, "metrics.visit_shortfalls", have)
    missing = _missing(context, {"metrics.elder_months": short, "metrics.visit_shortfalls": shortfalls})
    paths = {}
    codes = [r.code for r in with_files]
    by_short, by_shortfalls = sources.by_region(short, codes), sources.by_region(shortfalls, codes)
    for region in with_files:
        s, f = by_short[region.code], by_shortfalls[region.code]
        path = files.export_path(exports_folder.root, region.code, region.name, "shortfall_details",
                                 exports_folder.internal)
        paths[region.code] = write_shortfall_details(path, region.name, s, f, as_of)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat(), "tables_missing": missing,
                                          "short_person_months": 0 if short is None else len(short)})


@dg.asset(key=DATA_DOCS_KEY, deps=[REGIONS, dg.AssetKey(["validated", "visits"])],
          check_specs=data_docs_check_specs(), group_name=GROUP, owners=OWNERS, pool=POOL,
          kinds={"great_expectations", "duckdb"})
def data_docs(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
              exports_folder: ExportsFolder):
    """Great Expectations Data Docs of the run (one site beside the region folders; each failing row names its
    region): statistical expectations over aggregates computed in DuckDB (per institution-month: median visit
    duration, short-visit, open-punch and unrecorded-time shares, visits per elder-month; every month of the
    evaluation window has visits), validated for every region at once.
    Thresholds: config/exports.yaml `data_docs`. Results are WARN asset checks; the visit rows never leave DuckDB."""
    thresholds = exports_folder.settings().data_docs
    accepted = raw_folder.regions()[0]
    regions = pd.DataFrame([{"region_code": r.code, "window_start": r.window_start, "window_end": r.window_end,
                             "short_visit_minutes": float(r.policy["visits"]["short_visit_minutes"])}
                            for r in accepted], columns=dd.REGION_COLUMNS)
    with warehouse.connect(read_only=False) as con:
        frames = dd.aggregates(con, regions)
    folder = files.data_docs_dir(exports_folder.root)
    outcomes = dd.combine(dd.run_suite(frames, thresholds, folder, list(regions["region_code"])))
    index = str(folder / "index.html")
    yield dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(index),
                  "institution_months": 0 if frames["institution_months"] is None else len(frames["institution_months"])},
        check_results=data_docs_check_results(outcomes, index))


@dg.asset(key=["exports", "report"], deps=[FIGURES, dg.AssetKey(["scores", "totals"]), REGIONS,
                                           dg.AssetKey(["metrics", "visit_shortfalls"]), findings.key, data_docs.key],
          group_name=GROUP, owners=OWNERS, pool=POOL, kinds={"html", "duckdb"})
def report(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
           exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """评审报告 per region: one self-contained HTML file (inline CSS and SVG, no network) with the 12 headline
    indicators and budget execution against their targets, charts of monthly visit compliance per institution, cost
    per bed against the cap, funds by source (下达 / 到位 / 支出) and score by level against its maximum, the findings
    by category, and a link to the region's Data Docs."""
    as_of = run_as_of(context)
    _, with_files = _regions(context, raw_folder, exports_folder)
    if not with_files:
        return _nothing_to_write(as_of)
    codes = [r.code for r in with_files]
    with warehouse.connect(read_only=False) as con:
        have = sources.tables(con)
        figures = sources.read(con, sources.FIGURES, have)
        totals = sources.read(con, sources.TOTALS, have)
        shortfalls = sources.read(con, "metrics.visit_shortfalls", have)
        found = (con.execute(f"select * from {FINDINGS_TABLE} where region_code in (select unnest(?::VARCHAR[]))",
                             [codes]).df() if FINDINGS_TABLE in have else None)
    paths = {}
    by_figures, by_found = sources.by_region(figures, codes), sources.by_region(found, codes)
    by_totals, by_shortfalls = sources.by_region(totals, codes), sources.by_region(shortfalls, codes)
    tables = _indicators(figures, with_files)
    docs = files.data_docs_dir(exports_folder.root)
    quality = dd.read_summaries(docs)
    link = files.data_docs_link() if (docs / "index.html").exists() else None
    for region in with_files:
        code = region.code
        rows = by_found[code]
        summary = summarise(rows.reset_index(drop=True) if rows is not None else pd.DataFrame(columns=FINDING_COLUMNS))
        inputs = report_inputs(region, as_of, tables[code],
                               by_figures[code], by_totals[code], by_shortfalls[code], summary, link, quality.get(code))
        path = files.export_path(exports_folder.root, code, region.name, "report", exports_folder.internal)
        paths[code] = write_report(path, inputs)
    return dg.MaterializeResult(metadata={**_written(paths), "as_of": as_of.isoformat()})


@dg.asset(key=["exports", "summary"], deps=[findings.key, FIGURES, dg.AssetKey(["scores", "totals"]), REGIONS],
          **ASSET)
def summary(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
            exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """汇总表 of every region of the run, whatever `files.regions` says: each project's rubric totals and grade, the
    12 indicators against their targets, and the findings per category (exports.findings)."""
    as_of = run_as_of(context)
    regions = raw_folder.regions()[0]
    names = {r.code: r.name for r in regions}
    with warehouse.connect(read_only=False) as con:  # only what the sheets show: the 12 indicators' region rows
        have = sources.tables(con)
        figures = (con.execute(INDICATOR_FIGURES_SQL, [list(INDICATOR_IDS)]).df() if sources.FIGURES in have
                   else None)
        totals = sources.read(con, sources.TOTALS, have)
        found = sources.read(con, FINDINGS_TABLE, have,
                             f"select region_code, category, count(*) as n from {FINDINGS_TABLE} group by all")
    missing = _missing(context, {sources.FIGURES: figures, sources.TOTALS: totals, FINDINGS_TABLE: found})
    indicators = indicator_rows(indicator_tables(figures, {r.code: r.settings for r in regions}), names)
    counts = finding_counts(found if found is not None else pd.DataFrame(columns=["region_code", "category", "n"]),
                            names)
    path = write_summary(exports_folder.root / FILE_NAME, score_rows(totals, names), indicators, counts, as_of)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "regions": len(regions),
                                          "as_of": as_of.isoformat(), "tables_missing": missing})


EXPORT_ASSETS = [declaration, self_evaluation, score_sheets, findings, shortfall_details, data_docs, report, summary]
