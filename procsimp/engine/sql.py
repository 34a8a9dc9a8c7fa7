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
=========  ==========================================================================

Definitions (per event, within its case):

* waiting = start − previous completion, or completion − previous completion when the event has
  no start; never negative (overlapping steps wait 0); NULL for the first event of a case;
* processing = completion − start (NULL without a start);
* hand-off = the officer or the unit differs from the last known one before it in the case;
* the lead time of a case runs from ``least(received, first start or completion)`` to the last
  completion.
"""

from __future__ import annotations

__all__ = ["STEPS", "CASES", "QUERIES", "plan_for"]


def _stats(expr: str, scale: str, name: str) -> str:
    """mean / median / p90 of ``expr / scale`` as ``name_mean``, ``name_median``, ``name_p90``."""
    return (
        f"avg({expr}) / {scale} AS {name}_mean, "
        f"quantile_cont({expr}, 0.5) / {scale} AS {name}_median, "
        f"quantile_cont({expr}, 0.9) / {scale} AS {name}_p90"
    )


#: every event with its predecessor in the case, waiting, processing and hand-off
STEPS = """
SELECT *,
  CASE WHEN wait_raw_us < 0 THEN 0 ELSE wait_raw_us END / 1e6 AS wait_s,
  CASE WHEN wait_raw_wm < 0 THEN 0 ELSE wait_raw_wm END AS wait_wm,
  CASE WHEN t_end - t_start < 0 THEN 0 ELSE t_end - t_start END / 1e6 AS proc_s,
  CASE WHEN wm_end - wm_start < 0 THEN 0 ELSE wm_end - wm_start END AS proc_wm,
  coalesce(res <> prev_res, FALSE) OR coalesce(unit <> prev_unit, FALSE) AS handoff
FROM (
  SELECT *,
    LAG(act) OVER w AS prev_act,
    LAG(rn) OVER w IS NULL AS is_start,
    LEAD(rn) OVER w IS NULL AS is_end,
    coalesce(t_start, t_end) - LAG(t_end) OVER w AS wait_raw_us,
    coalesce(wm_start, wm_end) - LAG(wm_end) OVER w AS wait_raw_wm,
    LAG(res IGNORE NULLS) OVER w AS prev_res,
    LAG(unit IGNORE NULLS) OVER w AS prev_unit
  FROM events
  WINDOW w AS (PARTITION BY case_id ORDER BY rn)
)
"""

#: one row per case
CASES = """
SELECT *,
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
    CAST(sum(CAST(handoff AS INTEGER)) AS BIGINT) AS handoffs,
    count(DISTINCT unit) AS units,
    count(DISTINCT res) AS resources,
    count(*) > count(DISTINCT act) AS rework
  FROM _steps
  GROUP BY svc, case_id
)
"""

QUERIES: dict[str, str] = {
    "dfg": f"""
SELECT svc, prev_act AS source, act AS target,
  count(*) AS count,
  count(DISTINCT case_id) AS cases,
  {_stats("wait_wm", "60.0", "wait_hours")},
  {_stats("wait_s", "86400.0", "wait_days")}
FROM _steps
WHERE prev_act IS NOT NULL
GROUP BY svc, prev_act, act
""",
    "activities": f"""
SELECT svc, act AS activity,
  count(*) AS events,
  count(DISTINCT case_id) AS cases,
  {_stats("proc_wm", "60.0", "proc_hours")},
  {_stats("wait_wm", "60.0", "wait_hours")},
  {_stats("proc_s", "86400.0", "proc_days")},
  {_stats("wait_s", "86400.0", "wait_days")},
  count(DISTINCT res) AS resources,
  count(DISTINCT unit) AS units,
  sum(CAST(is_start AS INTEGER)) / sum(sum(CAST(is_start AS INTEGER))) OVER (PARTITION BY svc)
    AS is_start_share,
  sum(CAST(is_end AS INTEGER)) / sum(sum(CAST(is_end AS INTEGER))) OVER (PARTITION BY svc)
    AS is_end_share
FROM _steps
GROUP BY svc, act
""",
    "start_end": """
SELECT svc, act AS activity, 'start' AS role, count(*) AS cases FROM _steps WHERE is_start
GROUP BY svc, act
UNION ALL
SELECT svc, act AS activity, 'end' AS role, count(*) AS cases FROM _steps WHERE is_end
GROUP BY svc, act
""",
    "variants": """
SELECT svc, variant,
  count(*) AS cases,
  count(*) / sum(count(*)) OVER (PARTITION BY svc) AS share,
  CAST(sum(events) AS BIGINT) AS events,
  avg(lead_days) AS lead_days_mean
FROM _cases
GROUP BY svc, variant
""",
    "cases": """
SELECT svc, case_id, variant, channel, outcome, received, due, first, last, events,
  lead_days, lead_workdays, handoffs, units, resources, rework
FROM _cases
""",
}

#: which intermediate tables each result needs
_NEEDS: dict[str, tuple[str, ...]] = {
    "dfg": ("_steps",),
    "activities": ("_steps",),
    "start_end": ("_steps",),
    "variants": ("_steps", "_cases"),
    "cases": ("_steps", "_cases"),
}


def plan_for(tables: tuple[str, ...], *, minutes_per_day: float) -> dict[str, str]:
    """The ordered plan (intermediate tables first) that computes ``tables``."""
    needed = {t for name in tables for t in _NEEDS[name]}
    plan: dict[str, str] = {}
    if "_steps" in needed:
        plan["_steps"] = STEPS
    if "_cases" in needed:
        plan["_cases"] = CASES.format(minutes_per_day=repr(float(minutes_per_day)))
    for name in tables:
        plan[name] = QUERIES[name]
    return plan
