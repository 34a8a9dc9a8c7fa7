"""The aggregate queries, written once as SQL.

Input table ``events`` (built by :mod:`procsimp.engine.prepare`), one row per event, in the log's
order:

=========  ==========================================================================
rn         row number in the log (the log is sorted by case, then time; ties keep the
           file's order, so ``rn`` orders the events of a case)
case_id    integer code of the case
act        integer code of the activity
svc        integer code of the service
res, unit  integer codes of the officer and the unit (NULL when missing)
t_end      completion time, microseconds since 1970-01-01 UTC
t_start    start time (NULL when the log has none)
wm_end     completion time in cumulative working minutes of the work calendar
wm_start   start time in working minutes
channel, outcome   integer codes of the case attributes (NULL when missing)
t_recv, wm_recv    time the dossier was received (NULL when the log has none)
t_due      the log's due date of the dossier (NULL when the log has none)
is_start, is_end   the event is the first / last of its case
prev_act, prev_end, prev_wm   activity, completion time and working-minute completion of the
           event before it in the case (``rn - 1``), NULL for the first event of a case
edge_first the edge (prev_act, act) occurs here for the first time in the case
=========  ==========================================================================

The ``prev_*`` columns are the directly-follows alignment of the case-sorted rows, so the step
queries are plain projections and aggregates with no window over the whole log; they equal
``LAG(...) OVER (PARTITION BY case_id ORDER BY rn)``.

Definitions (per event, within its case):

* waiting = start − previous completion, or completion − previous completion when the event has
  no start; never negative (overlapping steps wait 0); NULL for the first event of a case;
* processing = completion − start (NULL without a start);
* hand-off = the officer or the unit differs from the last known one before it in the case
  (missing values are skipped);
* the lead time of a case runs from ``least(received, first start or completion)`` to the last
  completion.
"""

from __future__ import annotations

from procsimp.engine.sums import exact_avg, exact_sum

__all__ = ["STEPS", "CASES", "CASE_COLUMNS", "VARIANT_CASES", "QUERIES", "Plan", "plan_for"]


def _clip0(expr: str) -> str:
    """``expr`` clipped at 0, NULL staying NULL."""
    return f"CASE WHEN ({expr}) < 0 THEN 0 ELSE ({expr}) END"


#: every event with its predecessor in the case, waiting and processing (the predecessor
#: columns come with the input, so this is a projection: no window, no sort)
STEPS = f"""
SELECT svc, case_id, rn, act, res, unit, is_start, is_end, prev_act, edge_first, occ,
  {_clip0("coalesce(t_start, t_end) - prev_end")} / 1e6 AS wait_s,
  {_clip0("coalesce(wm_start, wm_end) - prev_wm")} AS wait_wm,
  {_clip0("t_end - t_start")} / 1e6 AS proc_s,
  {_clip0("wm_end - wm_start")} AS proc_wm
FROM events
"""

#: one row per case
CASES = """
SELECT c.*, coalesce(h.handoffs, 0) AS handoffs,
  (last - least(received, first)) / 86400e6 AS lead_days,
  (wm_last - least(wm_recv, wm_first)) / {minutes_per_day} AS lead_workdays
FROM (
  SELECT svc, case_id,
    list(act ORDER BY rn) AS variant,
    count(*) AS events,
    min(channel) AS channel,
    min(outcome) AS outcome,
    min(t_recv) AS received,
    min(wm_recv) AS wm_recv,
    min(t_due) AS due,
    min(coalesce(t_start, t_end)) AS first,
    min(coalesce(wm_start, wm_end)) AS wm_first,
    max(t_end) AS last,
    max(wm_end) AS wm_last,
    count(DISTINCT unit) AS units,
    count(DISTINCT res) AS resources,
    count(*) > count(DISTINCT act) AS rework
  FROM events
  GROUP BY svc, case_id
) AS c
LEFT JOIN (
  -- a hand-off: the officer or the unit differs from the last known one in the case
  SELECT case_id, count(*) AS handoffs
  FROM (
    SELECT case_id, res, unit,
      LAG(res IGNORE NULLS) OVER w AS prev_res,
      LAG(unit IGNORE NULLS) OVER w AS prev_unit
    FROM events
    WHERE res IS NOT NULL OR unit IS NOT NULL
    WINDOW w AS (PARTITION BY case_id ORDER BY rn)
  )
  WHERE coalesce(res <> prev_res, FALSE) OR coalesce(unit <> prev_unit, FALSE)
  GROUP BY case_id
) AS h USING (case_id)
"""


#: one row per case with what the variant table needs only (its sequence, events and lead time,
#: as :data:`CASES` computes them): no hand-off window and no distinct counts, for a plan that
#: wants the variants but not the case table
VARIANT_CASES = """
SELECT svc, case_id,
  list(act ORDER BY rn) AS variant,
  count(*) AS events,
  (max(t_end) - least(min(t_recv), min(coalesce(t_start, t_end)))) / 86400e6 AS lead_days
FROM events
GROUP BY svc, case_id
"""


def _stats(expr: str, scale: str, name: str) -> str:
    """``name_mean`` and ``name_q`` (median and p90 in one sort) of ``expr / scale``."""
    return f"{exact_avg(expr)} / {scale} AS {name}_mean, quantile_cont({expr}, [0.5, 0.9]) AS {name}_q"


def _pick(name: str, scale: str) -> str:
    """``name_mean, name_median, name_p90`` from the columns made by :func:`_stats`."""
    return f"{name}_mean, {name}_q[1] / {scale} AS {name}_median, {name}_q[2] / {scale} AS {name}_p90"


#: per event of a case's supplement loop: the citizen's time from a request to the resubmission
_SUPPLEMENT_WM = """CASE WHEN supplement = 0 AND prev_supplement = 1 THEN
      CASE WHEN wm_at - prev_end < 0 THEN 0 ELSE wm_at - prev_end END ELSE 0 END"""
#: per event: the wait before a payment step
_PAYMENT_WM = "CASE WHEN pay = 1 AND wm_at - prev_wm > 0 THEN wm_at - prev_wm ELSE 0 END"


#: the columns of the ``cases`` result but each case's ordered steps (``variant``), which only
#: :func:`procsimp.engine.filter_variants` reads
CASE_COLUMNS = ("svc, case_id, channel, outcome, received, due, first, last, events, lead_days, lead_workdays, "
                "handoffs, units, resources, rework")

QUERIES: dict[str, str] = {
    # distinct cases per edge: the first occurrences of the edge in each case (marked in the input)
    "dfg": f"""
WITH perf AS (
  SELECT svc, prev_act, act, count(*) AS count, count(*) FILTER (WHERE edge_first) AS cases,
    {_stats("wait_wm", "60.0", "wait_hours")},
    {_stats("wait_s", "86400.0", "wait_days")}
  FROM _steps WHERE prev_act IS NOT NULL
  GROUP BY svc, prev_act, act
)
SELECT svc, prev_act AS source, act AS target, count, cases,
  {_pick("wait_hours", "60.0")},
  {_pick("wait_days", "86400.0")}
FROM perf
""",
    # the cases of an activity: its first occurrences in the cases (``occ`` = 0, marked in the
    # input), so that one grouping by activity gives every figure
    "activities": f"""
WITH perf AS (
  SELECT svc, act,
    count(*) AS events,
    count(*) FILTER (WHERE occ = 0) AS cases,
    {_stats("proc_wm", "60.0", "proc_hours")},
    {_stats("wait_wm", "60.0", "wait_hours")},
    {_stats("proc_s", "86400.0", "proc_days")},
    {_stats("wait_s", "86400.0", "wait_days")},
    count(DISTINCT res) AS resources,
    count(DISTINCT unit) AS units,
    sum(CAST(is_start AS INTEGER)) AS starts,
    sum(CAST(is_end AS INTEGER)) AS ends
  FROM _steps GROUP BY svc, act
)
SELECT svc, act AS activity, events, cases,
  {_pick("proc_hours", "60.0")},
  {_pick("wait_hours", "60.0")},
  {_pick("proc_days", "86400.0")},
  {_pick("wait_days", "86400.0")},
  resources, units,
  starts / sum(starts) OVER (PARTITION BY svc) AS is_start_share,
  ends / sum(ends) OVER (PARTITION BY svc) AS is_end_share
FROM perf
""",
    "start_end": """
SELECT svc, act AS activity, 'start' AS role, count(*) AS cases FROM _steps WHERE is_start
GROUP BY svc, act
UNION ALL
SELECT svc, act AS activity, 'end' AS role, count(*) AS cases FROM _steps WHERE is_end
GROUP BY svc, act
""",
    "variants": f"""
SELECT svc, variant,
  count(*) AS cases,
  count(*) / sum(count(*)) OVER (PARTITION BY svc) AS share,
  CAST(sum(events) AS BIGINT) AS events,
  {exact_avg("lead_days")} AS lead_days_mean,
  row_number() OVER (PARTITION BY svc ORDER BY count(*) DESC, variant) AS rank
FROM {{cases}}
GROUP BY svc, variant
""",
    # per case: the unit that did most of its steps (ties: the one that came first), the citizen's
    # time (a supplement request to the start of the resubmission, the wait before a payment),
    # a supplement request still unanswered, and whether a step is a postal one. The input
    # ``step_kinds`` marks the activities (0/1 per kind); see :func:`procsimp.engine.case_marks`.
    "marks": f"""
WITH k AS (
  SELECT e.case_id, e.rn, e.unit, e.wm_end, e.prev_wm, coalesce(e.wm_start, e.wm_end) AS wm_at,
    coalesce(s.supplement, 0) AS supplement, coalesce(s.resubmit, 0) AS resubmit,
    coalesce(s.pay, 0) AS pay, coalesce(s.postal, 0) AS postal
  FROM events AS e LEFT JOIN step_kinds AS s ON e.act = s.act
), unit_n AS (
  SELECT case_id, unit,
    row_number() OVER (PARTITION BY case_id ORDER BY count(*) DESC, min(rn)) AS r
  FROM k WHERE unit IS NOT NULL
  GROUP BY case_id, unit
), loop AS (
  SELECT case_id, supplement, wm_at,
    LAG(supplement) OVER w AS prev_supplement,
    LAG(wm_end) OVER w AS prev_end,
    LEAD(supplement) OVER w AS next_supplement,
    wm_end
  FROM k WHERE supplement = 1 OR resubmit = 1
  WINDOW w AS (PARTITION BY case_id ORDER BY rn)
), loops AS (
  SELECT case_id,
    {exact_sum(_SUPPLEMENT_WM)} AS supplement_wm,
    max(CASE WHEN supplement = 1 AND next_supplement IS NULL THEN wm_end END) AS pending_wm
  FROM loop GROUP BY case_id
), per_case AS (
  SELECT case_id, max(postal) AS postal,
    {exact_sum(_PAYMENT_WM)} AS payment_wm
  FROM k GROUP BY case_id
)
SELECT c.case_id, u.unit AS main_unit, c.postal, c.payment_wm,
  coalesce(l.supplement_wm, 0) AS supplement_wm, l.pending_wm
FROM per_case AS c
LEFT JOIN (SELECT case_id, unit FROM unit_n WHERE r = 1) AS u ON c.case_id = u.case_id
LEFT JOIN loops AS l ON c.case_id = l.case_id
""",
    "cases": f"SELECT {CASE_COLUMNS}, variant FROM _cases",
    # the profile's counts per service and channel: dossiers, and the sums of their events,
    # hand-offs, units and repeated steps (integers: their totals are exact, however the rows are
    # split between threads or chunks of dossiers)
    "case_sums": """
SELECT svc, channel, count(*) AS cases, CAST(sum(events) AS BIGINT) AS events,
  CAST(sum(handoffs) AS BIGINT) AS handoffs, CAST(sum(units) AS BIGINT) AS units,
  count(*) FILTER (WHERE rework) AS rework
FROM _cases
GROUP BY svc, channel
""",
}

#: which intermediate tables each result needs
_NEEDS: dict[str, tuple[str, ...]] = {
    "dfg": ("_steps",),
    "activities": ("_steps",),
    "start_end": ("_steps",),
    "variants": ("_cases",),  # or "_variant_cases" when the plan has no other reader of _cases
    "cases": ("_cases",),
    "case_sums": ("_cases",),
    "marks": (),
}


class Plan(dict[str, str]):
    """An ordered plan ``name -> SQL`` (see :mod:`procsimp.engine.backend`). ``views``: the
    intermediates that DuckDB makes as views, computed again by each result that reads them,
    instead of temporary tables.

    The maps' plan (``dfg``, ``activities``, ``start_end``, ``variants``) reads ``_steps``, a
    projection of the events with no window or sort, from three results: as a view, the plan
    over the eight services of a generated 5M-event log peaked at 0.82–0.83 GiB instead of
    0.88–0.91 (the process's peak, reading included) and took 4.0–4.3 s of processor time
    instead of 4.3–4.4. The other plans keep their intermediates as tables: their windows and
    self-joins read them more, and a view read twice by one query cost about three times a
    stored intermediate (:func:`procsimp.engine.backend._with_intermediates`)."""

    views: frozenset[str] = frozenset()


#: the results whose plan makes ``_steps`` a view (:class:`Plan`)
_STEPS_AS_VIEW = frozenset({"dfg", "activities", "start_end", "variants"})


def plan_for(tables: tuple[str, ...], *, minutes_per_day: float) -> Plan:
    """The ordered plan (intermediate tables first) that computes ``tables`` (the profile tables
    above and the detectors' tables of :mod:`procsimp.engine.sql_detect`)."""
    from procsimp.engine.sql_detect import DETECT_INTERMEDIATES, DETECT_NEEDS, DETECT_QUERIES

    needs = {**_NEEDS, **DETECT_NEEDS}
    needed = {t for name in tables for t in needs[name]}
    # the variants alone read the lean per-case table; with another reader of the case table,
    # they share it
    lean = "variants" in tables and not any("_cases" in needs[name] for name in tables if name != "variants")
    if lean:
        needed = (needed - {"_cases"}) | {"_variant_cases"}
    plan = Plan()
    if "_steps" in needed:
        plan["_steps"] = STEPS
        if set(tables) <= _STEPS_AS_VIEW:
            plan.views = frozenset({"_steps"})
    if "_cases" in needed:
        plan["_cases"] = CASES.format(minutes_per_day=repr(float(minutes_per_day)))
    if "_variant_cases" in needed:
        plan["_variant_cases"] = VARIANT_CASES
    for name, sql in DETECT_INTERMEDIATES.items():
        if name in needed:
            plan[name] = sql
    for name in tables:
        plan[name] = QUERIES[name] if name in QUERIES else DETECT_QUERIES[name]
    if "variants" in plan:
        plan["variants"] = plan["variants"].format(cases="_variant_cases" if lean else "_cases")
    return plan
