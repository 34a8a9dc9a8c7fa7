"""The detectors' tables (:mod:`procsimp.flag.aggregates`), written as SQL over ``events``.

The detectors judge steps, not the raw log, so their tables follow the definitions of
:func:`procsimp.flag.aggregates.aggregate`, which differ in a few places from the engine's
profile tables of :mod:`procsimp.engine.sql`:

* events without an activity are left out (they cannot be judged), so the neighbours of an event
  are recomputed over the remaining events (``LAG``/``LEAD`` over the case);
* a case belongs to the service of its first event (not each event to its own);
* a start time after the completion counts as the completion; processing = completion − start,
  waiting = start − previous completion clipped at 0, both NULL without a start time (no
  fallback to the completion), and the *sojourn* = completion − previous completion;
* a step is *in a loop* when it lies strictly between two occurrences of another step of its case
  (between an occurrence and the next repeat); a step that is in a loop in at least 90% of its
  occurrences exists only for rework (``loop_only``); *rework* events are the repeats, and the
  loop-only steps inside a loop.

Intermediate tables (read by the queries below, never returned):

``_dev``
    one row per event with an activity: ``case_id, rn, svc, outcome, intake`` (the case's service,
    outcome and first unit), ``end_act, case_len, last_repeat`` (the case's last step, length and
    the row of its last repeat of a step), ``act, res,
    unit``, ``prv, nxt`` (the previous and next step, NULL at the case's ends), ``prev_res,
    next_res, prev_unit, next_unit, prev2_unit`` (officer and unit of the neighbouring events, in
    the case), ``pos`` (position in the case, from 0), ``occ`` (how many times the step ran before
    in the case) and ``prev_occ`` (the previous event's), ``next_rn`` (the row of its next repeat),
    ``in_loop`` and ``prev_in_loop``, ``t_begin, t_end`` (start, or completion without one, and
    completion, in microseconds), the working minutes ``wc, ws`` (completion, start), ``proc, wait,
    sojourn``, the next event's ``wait_after, sojourn_after``, the predecessor's processing
    ``prev_proc``, ``proc_sum`` (the processing of the case so far, this event included; unknown
    processing counts 0), ``delay_days`` (calendar days since the previous event: a timer makes it
    nearly constant) and ``tie`` (the previous event has the same completion time).
``_dkey``
    per (service, step): ``events`` and ``loop_only``.

Results (integer codes; :mod:`procsimp.engine` decodes the names):

``det_pairs``
    the directly-follows pairs of the ``pairs`` table (see :mod:`procsimp.flag.aggregates`);
``det_loops``
    the rework loops of the ``loops`` table: per (service, step), the loops that start at an
    occurrence of the step outside any other loop and end at its next repeat;
``det_endings``, ``det_ending_steps``
    per (service, last step, decider): the cost before the decider (sums and counts, so that any
    set of last steps can be pooled), and per earlier step the cases, positions and cost before
    the decider: the ``knockouts`` and ``knockout_steps`` tables once the knock-out ends are known;
``det_order``
    per candidate pair and last step of the case: the counts and processing sums of the ``order``
    table (the knocked-out cases are those whose last step is a knock-out end);
``det_steps``
    per (service, step): the counts, means and quantiles of the ``activities`` table (events,
    cases, starts, ends, processing, waiting, sojourn and delay, officer and unit hand-offs saved
    if the step went away, occurrences at the intake unit, loops, repeats, rework after the step,
    position);
``det_edges``
    per directly-follows pair: officer and unit changes, how often the target ends the case, and
    the entries into rework;
``det_successors``
    per (service, step, next step, case outcome, last step of the case, whether the next step is
    the last): events; the successor distribution, knock-outs after a step and the information
    its successor gives on the outcome, once the knock-out ends are known;
``det_firsts``
    per (service, step, case outcome, last step of the case): the cases with the step;
``det_units``
    per (service, step, unit): events;
``det_services``
    per service: cases, events, medians of processing and waiting, mean lead time, ties,
    reworked cases, and how many events have an officer, a unit and a start time.

Every result is small (steps, pairs, units or outcomes, never events); the judgements that need
names, the catalog or thresholds (step roles, knock-out ends, protected steps) are made on them in
:mod:`procsimp.flag.aggregates`.
"""

from __future__ import annotations

from procsimp.engine.sums import exact_avg, exact_sum

__all__ = ["DETECT_INTERMEDIATES", "DETECT_NEEDS", "DETECT_QUERIES"]

#: one row per event with an activity, with the neighbours and times the detectors use
_DEV = """
WITH base AS (
  SELECT case_id, rn, svc AS ev_svc, outcome AS ev_outcome, act, res, unit, wm_end AS wc, t_end, occ, next_occ AS next_rn,
    CASE WHEN t_start IS NULL THEN t_end WHEN t_start < t_end THEN t_start ELSE t_end END AS t_begin,
    CASE WHEN wm_start IS NULL OR wm_end IS NULL THEN NULL
         WHEN wm_start < wm_end THEN wm_start ELSE wm_end END AS ws,
    -- the first (last) occurrence of a repeated step opens (closes) its span in the case
    CASE WHEN occ = 0 AND next_occ IS NOT NULL THEN 1 ELSE 0 END AS opens,
    CASE WHEN occ > 0 AND next_occ IS NULL THEN 1 ELSE 0 END AS closes,
    CASE WHEN occ > 0 AND next_occ IS NOT NULL THEN 1 ELSE 0 END AS middle
  FROM events
  WHERE act IS NOT NULL
), win AS (
  -- one window pass: every function here shares one partitioning and order (the case, in time)
  SELECT *, wc - ws AS proc,
    first_value(ev_svc) OVER c AS svc,
    first_value(ev_outcome) OVER c AS outcome,
    first_value(unit) OVER c AS intake,
    last_value(act) OVER f AS end_act,
    count(*) OVER f AS case_len,
    max(CASE WHEN occ > 0 THEN rn END) OVER f AS last_repeat,
    LAG(act) OVER c AS prv,
    LEAD(act) OVER c AS nxt,
    LAG(wc) OVER c AS prev_wc,
    LEAD(wc) OVER c AS next_wc,
    LEAD(ws) OVER c AS next_ws,
    LAG(t_end) OVER c AS prev_t_end,
    LAG(res) OVER c AS prev_res,
    LEAD(res) OVER c AS next_res,
    LAG(unit) OVER c AS prev_unit,
    LEAD(unit) OVER c AS next_unit,
    LAG(unit, 2) OVER c AS prev2_unit,
    (row_number() OVER c) - 1 AS pos,
    LAG(occ) OVER c AS prev_occ,
    sum(opens - closes) OVER r AS open_spans,
    LAG(opens + middle) OVER c AS prev_opens,
    sum(coalesce(wc - ws, 0)) OVER r AS proc_sum,
    LAG(wc - ws) OVER c AS prev_proc
  FROM base
  WINDOW c AS (PARTITION BY case_id ORDER BY rn), r AS (PARTITION BY case_id ORDER BY rn ROWS UNBOUNDED PRECEDING),
    f AS (PARTITION BY case_id ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
-- in a loop: inside the spans opened before the event and closed after it, less its own step's
-- span for a middle occurrence (between two of its own occurrences an event is in no loop of its
-- step); the previous event's depth follows from this one's
SELECT case_id, rn, svc, act, res, unit, outcome, intake, end_act, case_len, last_repeat, prv, nxt, prev_res, next_res,
  prev_unit, next_unit, prev2_unit, occ, prev_occ, pos, next_rn, wc, ws, t_begin, t_end,
  open_spans - opens - middle > 0 AS in_loop,
  open_spans - opens + closes - prev_opens > 0 AS prev_in_loop, proc_sum, proc, prev_proc,
  CASE WHEN ws - prev_wc < 0 THEN 0 ELSE ws - prev_wc END AS wait,
  wc - prev_wc AS sojourn,
  CASE WHEN next_ws - wc < 0 THEN 0 ELSE next_ws - wc END AS wait_after,
  next_wc - wc AS sojourn_after,
  (t_end - prev_t_end) / 86400000000.0 AS delay_days,
  t_end = prev_t_end AS tie
FROM win
"""

#: per (service, step): events, and whether the step exists only inside loops
_DKEY = """
SELECT svc, act, count(*) AS events,
  count(*) FILTER (WHERE in_loop) / count(*) >= 0.9 AS loop_only
FROM _dev
GROUP BY svc, act
"""

_PAIRS = f"""
WITH steps AS (
  SELECT d.*, d.occ > 0 OR (k.loop_only AND d.in_loop) AS rework
  FROM _dev AS d JOIN _dkey AS k ON d.svc = k.svc AND d.act = k.act
), p AS (
  SELECT svc, prv AS source, act AS target, count(*) AS count, count(DISTINCT case_id) AS cases,
    count(*) FILTER (WHERE res = prev_res)
      / CASE WHEN count(res + prev_res) = 0 THEN NULL ELSE count(res + prev_res) END AS same_resource,
    count(*) FILTER (WHERE unit = prev_unit)
      / CASE WHEN count(unit + prev_unit) = 0 THEN NULL ELSE count(unit + prev_unit) END AS same_unit,
    count(*) FILTER (WHERE unit = prev2_unit)
      / CASE WHEN count(unit + prev2_unit) = 0 THEN NULL ELSE count(unit + prev2_unit) END
      AS returns_to_target_unit,
    {exact_avg("wait")} / 60.0 AS wait_hours_mean,
    {exact_avg("sojourn")} / 60.0 AS sojourn_hours_mean,
    {exact_avg("prev_proc")} / 60.0 AS source_proc_hours_mean,
    {exact_avg("proc")} / 60.0 AS target_proc_hours_mean,
    count(*) FILTER (WHERE rework) AS rework
  FROM steps
  WHERE prv IS NOT NULL
  GROUP BY svc, prv, act
), su AS (
  SELECT DISTINCT svc, act, unit FROM _dev WHERE unit IS NOT NULL
), shared AS (
  -- pairs whose two steps share a unit (in their service, over the whole log)
  SELECT DISTINCT p.svc, p.source, p.target
  FROM p JOIN su AS a ON a.svc = p.svc AND a.act = p.source
  JOIN su AS b ON b.svc = p.svc AND b.act = p.target AND b.unit = a.unit
), with_units AS (
  SELECT DISTINCT svc, act FROM su
)
SELECT p.*,
  p.count / ks.events AS share_of_source,
  p.count / kt.events AS share_of_target,
  us.act IS NOT NULL AND ut.act IS NOT NULL AND s.svc IS NULL AS units_disjoint
FROM p
JOIN _dkey AS ks ON ks.svc = p.svc AND ks.act = p.source
JOIN _dkey AS kt ON kt.svc = p.svc AND kt.act = p.target
LEFT JOIN with_units AS us ON us.svc = p.svc AND us.act = p.source
LEFT JOIN with_units AS ut ON ut.svc = p.svc AND ut.act = p.target
LEFT JOIN shared AS s ON s.svc = p.svc AND s.source = p.source AND s.target = p.target
"""

#: rework loops: an occurrence of a step (b) and its next repeat in the case (e), for the loops
#: that do not start inside another loop; per (service, step)
_LOOPS = f"""
WITH loops AS (
  SELECT b.svc, b.act, b.case_id, b.pos AS b_pos, b.wc AS b_wc, b.proc_sum AS b_sum, e.pos AS e_pos,
    e.wc AS e_wc, e.proc_sum AS e_sum, e.act AS e_act, e.rn AS e_rn
  FROM _dev AS b JOIN _dev AS e ON e.case_id = b.case_id AND e.rn = b.next_rn
  WHERE NOT b.in_loop
), around AS (
  -- the step after the first occurrence (via) and the one right before the repeat (sent back by,
  -- and whether it is done again after the repeat: re-checked)
  SELECT l.*, v.act AS via, s.act AS back,
    s.act <> l.e_act AND s.next_rn IS NOT NULL AND s.next_rn > l.e_rn AS rechecked
  FROM loops AS l
  JOIN _dev AS v ON v.case_id = l.case_id AND v.pos = l.b_pos + 1
  JOIN _dev AS s ON s.case_id = l.case_id AND s.pos = l.e_pos - 1
), per_key AS (
  SELECT svc, act, count(*) AS loops, count(DISTINCT case_id) AS cases,
    avg(e_pos - b_pos) AS length_mean,
    {exact_avg("e_wc - b_wc")} / 60.0 AS elapsed_hours_mean,
    {exact_avg("e_sum - b_sum")} / 60.0 AS effort_hours_mean,
    count(*) FILTER (WHERE rechecked) / count(*) AS recheck_share
  FROM around GROUP BY svc, act
), via AS (
  SELECT svc, act, via, row_number() OVER (PARTITION BY svc, act ORDER BY count(*) DESC, via) AS r
  FROM around GROUP BY svc, act, via
), back AS (
  SELECT svc, act, back, row_number() OVER (PARTITION BY svc, act ORDER BY count(*) DESC, back) AS r
  FROM around GROUP BY svc, act, back
), svc_cases AS (
  SELECT svc, count(DISTINCT case_id) AS cases FROM _dev GROUP BY svc
)
SELECT k.*, k.cases / c.cases AS case_share, k.elapsed_hours_mean * k.loops AS elapsed_hours_total,
  v.via, b.back AS sent_back_by
FROM per_key AS k
JOIN svc_cases AS c ON c.svc = k.svc
JOIN via AS v ON v.svc = k.svc AND v.act = k.act AND v.r = 1
JOIN back AS b ON b.svc = k.svc AND b.act = k.act AND b.r = 1
"""

#: the cost spent before a dossier's last step, per (service, last step, the step before it:
#: the decider), over every case of two steps or more; the detectors keep the last steps that are
#: knock-out ends with evidence of a rejection (a judgement on the small table, in Python)
_ENDINGS = f"""
WITH ending AS (
  SELECT d.case_id, d.svc, l.act AS end_act, d.act AS decider, d.pos AS dec_pos,
    d.proc_sum - coalesce(d.proc, 0) AS effort_before,
    coalesce(d.ws, d.wc) - f.wc AS elapsed_before
  FROM _dev AS l
  JOIN _dev AS d ON d.case_id = l.case_id AND d.pos = l.pos - 1
  JOIN _dev AS f ON f.case_id = l.case_id AND f.pos = 0
  WHERE l.nxt IS NULL AND l.pos >= 1
)
SELECT svc, end_act, decider, count(*) AS cases,
  {exact_sum("effort_before")} AS effort_sum, count(effort_before) AS effort_n,
  {exact_sum("elapsed_before")} AS elapsed_sum, count(elapsed_before) AS elapsed_n,
  sum(dec_pos) AS steps_sum
FROM ending GROUP BY svc, end_act, decider
"""

#: per (service, last step, decider, earlier step): the steps done before the decider in those
#: cases: in how many cases (first occurrences), at which position, and what they cost
_ENDING_STEPS = f"""
WITH ending AS (
  SELECT l.case_id, l.svc, l.act AS end_act, d.act AS decider, d.pos AS dec_pos
  FROM _dev AS l JOIN _dev AS d ON d.case_id = l.case_id AND d.pos = l.pos - 1
  WHERE l.nxt IS NULL AND l.pos >= 1
)
SELECT e.svc, e.end_act, e.decider, x.act,
  count(*) FILTER (WHERE x.occ = 0) AS cases,
  sum(x.pos) FILTER (WHERE x.occ = 0) AS position_sum,
  {exact_sum("coalesce(x.proc, 0)")} AS proc_sum,
  {exact_sum("coalesce(x.sojourn, 0)")} AS sojourn_sum
FROM ending AS e JOIN _dev AS x ON x.case_id = e.case_id AND x.pos < e.dec_pos
GROUP BY e.svc, e.end_act, e.decider, x.act
"""

#: order of two steps in the cases that have both (first occurrences), for the candidate pairs:
#: the directly-follows pairs of a service in either direction (a = the smaller code); by time
#: (start when known, else completion; equal times are ties), per last step of the case (the
#: detectors count the knocked-out cases among them)
_ORDER = f"""
WITH cand AS (
  SELECT DISTINCT svc, least(prv, act) AS a, greatest(prv, act) AS b
  FROM _dev WHERE prv IS NOT NULL AND prv <> act
), firsts AS (
  SELECT case_id, svc, act, pos, proc, t_begin, t_end FROM _dev WHERE occ = 0
), ends AS (
  SELECT case_id, act AS end_act FROM _dev WHERE nxt IS NULL
), both_steps AS (
  SELECT c.svc, c.a, c.b, n.end_act, fa.pos AS pa, fb.pos AS pb, fa.t_begin AS ta, fb.t_begin AS tb,
    fa.t_end AS ea, fb.t_end AS eb, fa.proc AS proc_a, fb.proc AS proc_b
  FROM cand AS c
  JOIN firsts AS fa ON fa.svc = c.svc AND fa.act = c.a
  JOIN firsts AS fb ON fb.case_id = fa.case_id AND fb.act = c.b
  JOIN ends AS n ON n.case_id = fa.case_id
)
SELECT svc, a, b, end_act, count(*) AS cases_both,
  count(*) FILTER (WHERE ta < tb) AS a_first,
  count(*) FILTER (WHERE tb < ta) AS b_first,
  count(*) FILTER (WHERE pa - pb = 1 OR pb - pa = 1) AS adjacent,
  count(*) FILTER (WHERE greatest(ta, tb) < least(ea, eb)) AS overlap,
  {exact_sum("proc_a", where="ta < tb")} AS a_proc_first_sum, count(proc_a) FILTER (WHERE ta < tb) AS a_proc_first_n,
  {exact_sum("proc_a", where="tb < ta")} AS a_proc_second_sum, count(proc_a) FILTER (WHERE tb < ta) AS a_proc_second_n,
  {exact_sum("proc_b", where="tb < ta")} AS b_proc_first_sum, count(proc_b) FILTER (WHERE tb < ta) AS b_proc_first_n,
  {exact_sum("proc_b", where="ta < tb")} AS b_proc_second_sum, count(proc_b) FILTER (WHERE ta < tb) AS b_proc_second_n
FROM both_steps GROUP BY svc, a, b, end_act
"""

#: the events with their rework marks: a repeat, or a loop-only step inside a loop (``rework``),
#: and the same for the previous event of the case (``prev_rework``); a common table expression of
#: the queries that read it (a join with the small ``_dkey``: cheaper than a copy of the events)
_REWORK = """
rw AS (
  SELECT d.*, d.occ > 0 OR (k.loop_only AND d.in_loop) AS rework,
    d.prev_occ > 0 OR (kp.loop_only AND d.prev_in_loop) AS prev_rework
  FROM _dev AS d
  JOIN _dkey AS k ON d.svc = k.svc AND d.act = k.act
  LEFT JOIN _dkey AS kp ON d.svc = kp.svc AND d.prv = kp.act
)"""

#: per (service, step): the counts, times and shares of the ``activities`` table that need the
#: events (medians and percentiles as lists: ``[0.5, 0.9]``, delays ``[0.1, 0.5, 0.9]``)
_STEPS = f"""
WITH {_REWORK}, per_step AS (
  SELECT s.svc, s.act, count(*) AS events,
    count(*) FILTER (WHERE s.occ = 0) AS cases,
    count(*) FILTER (WHERE s.pos = 0) AS starts,
    count(*) FILTER (WHERE s.nxt IS NULL) AS ends,
    {exact_avg("s.proc")} AS proc_mean, {exact_avg("s.wait")} AS wait_mean, {exact_avg("s.sojourn")} AS sojourn_mean,
    {exact_avg("s.wait_after")} AS wait_after_mean, {exact_avg("s.sojourn_after")} AS sojourn_after_mean,
    quantile_cont(s.proc, [0.5, 0.9]) AS proc_q,
    quantile_cont(s.wait, [0.5, 0.9]) AS wait_q,
    quantile_cont(s.sojourn, [0.5, 0.9]) AS sojourn_q,
    quantile_cont(s.delay_days, [0.1, 0.5, 0.9]) AS delay_q,
    count(DISTINCT s.res) AS resources,
    count(*) FILTER (WHERE s.res <> s.prev_res) + count(*) FILTER (WHERE s.res <> s.next_res)
      - count(*) FILTER (WHERE s.prev_res <> s.next_res) AS res_handoffs_saved,
    count(*) FILTER (WHERE s.unit <> s.prev_unit) + count(*) FILTER (WHERE s.unit <> s.next_unit)
      - count(*) FILTER (WHERE s.prev_unit <> s.next_unit) AS unit_handoffs_saved,
    count(*) FILTER (WHERE s.unit = s.intake) AS at_intake,
    count(s.unit + s.intake) AS intake_known,
    count(*) FILTER (WHERE s.next_rn IS NOT NULL) AS loop_starts,
    count(*) FILTER (WHERE s.in_loop) AS in_loop,
    count(*) FILTER (WHERE s.occ > 0) AS repeats,
    count(*) FILTER (WHERE s.occ = 1) AS repeat_cases,
    -- the case's last rework event is a repeat (an event in a loop lies before the repeat that
    -- closes it)
    count(*) FILTER (WHERE s.last_repeat > s.rn) AS rework_after,
    {exact_avg("CAST(s.pos AS DOUBLE) / CASE WHEN s.case_len > 2 THEN s.case_len - 1 ELSE 1 END")} AS position_mean,
    avg(s.pos) AS step_index_mean
  FROM rw AS s
  GROUP BY s.svc, s.act
)
SELECT p.svc, p.act, p.events, cases, starts, ends, proc_mean, wait_mean, sojourn_mean, wait_after_mean,
  sojourn_after_mean, resources, res_handoffs_saved, unit_handoffs_saved, at_intake, intake_known, loop_starts,
  in_loop, repeats, repeat_cases, rework_after, position_mean, step_index_mean, k.loop_only,
  proc_q[1] AS proc_median, proc_q[2] AS proc_p90, wait_q[1] AS wait_median, wait_q[2] AS wait_p90,
  sojourn_q[1] AS sojourn_median, delay_q[1] AS delay_p10, delay_q[2] AS delay_median, delay_q[3] AS delay_p90
FROM per_step AS p JOIN _dkey AS k ON k.svc = p.svc AND k.act = p.act
"""

#: per directly-follows pair (service, previous step, step): officer and unit changes, how often
#: the step ends the case, and how often the dossier enters rework with it
_EDGES = f"""
WITH {_REWORK}
SELECT svc, prv, act, count(*) AS count,
  count(res + prev_res) AS res_known, count(*) FILTER (WHERE res <> prev_res) AS res_changed,
  count(unit + prev_unit) AS unit_known, count(*) FILTER (WHERE unit <> prev_unit) AS unit_changed,
  count(*) FILTER (WHERE nxt IS NULL) AS to_last,
  count(*) FILTER (WHERE rework AND NOT prev_rework) AS rework_entries
FROM rw WHERE prv IS NOT NULL
GROUP BY svc, prv, act
"""

#: per (service, step, next step or NULL at the end, case outcome, last step of the case, whether
#: the next step is the case's last): events; the successor distribution, what follows a step in
#: the cases that end one way or another, and the information the successor gives on the outcome
_SUCCESSORS = """
SELECT svc, act, nxt, outcome, end_act, pos = case_len - 2 AS nxt_last, count(*) AS events
FROM _dev GROUP BY svc, act, nxt, outcome, end_act, pos = case_len - 2
"""

#: per (service, step, case outcome, last step of the case): the cases that contain the step
_FIRSTS = """
SELECT svc, act, outcome, end_act, count(*) AS cases
FROM _dev WHERE occ = 0 GROUP BY svc, act, outcome, end_act
"""

#: per (service, step, unit): events (units that do a step, and the step's main unit)
_UNITS = """
SELECT svc, act, unit, count(*) AS events FROM _dev WHERE unit IS NOT NULL GROUP BY svc, act, unit
"""

#: per service: cases, events, medians of processing and waiting, lead time, ties, repeats, and
#: whether officers, units and start times are known
_SERVICES = f"""
WITH per_case AS (
  SELECT case_id, svc,
    max(wc) FILTER (WHERE nxt IS NULL) - max(coalesce(ws, wc)) FILTER (WHERE pos = 0) AS lead,
    max(occ) > 0 AS reworked
  FROM _dev GROUP BY case_id, svc
), per_event AS (
  SELECT svc, count(*) AS events,
    quantile_cont(proc, 0.5) AS proc_median, quantile_cont(wait, 0.5) AS wait_median,
    count(*) FILTER (WHERE tie) AS ties, count(*) FILTER (WHERE pos > 0) AS non_first,
    count(res) AS with_resource, count(unit) AS with_unit, count(ws) AS with_start
  FROM _dev GROUP BY svc
)
SELECT e.*, c.cases, c.lead_mean, c.rework_cases
FROM per_event AS e JOIN (
  SELECT svc, count(*) AS cases, {exact_avg("lead")} AS lead_mean, count(*) FILTER (WHERE reworked) AS rework_cases
  FROM per_case GROUP BY svc
) AS c ON c.svc = e.svc
"""


#: the intermediate tables, in the order they must run
DETECT_INTERMEDIATES: dict[str, str] = {"_dev": _DEV, "_dkey": _DKEY}

#: the result queries
DETECT_QUERIES: dict[str, str] = {
    "det_pairs": _PAIRS, "det_loops": _LOOPS, "det_endings": _ENDINGS, "det_ending_steps": _ENDING_STEPS,
    "det_order": _ORDER, "det_steps": _STEPS, "det_edges": _EDGES, "det_successors": _SUCCESSORS,
    "det_firsts": _FIRSTS, "det_units": _UNITS, "det_services": _SERVICES,
}

#: which intermediate tables each result needs
DETECT_NEEDS: dict[str, tuple[str, ...]] = {
    "det_pairs": ("_dev", "_dkey"), "det_loops": ("_dev",), "det_endings": ("_dev",), "det_ending_steps": ("_dev",),
    "det_order": ("_dev",), "det_steps": ("_dev", "_dkey"), "det_edges": ("_dev", "_dkey"),
    "det_successors": ("_dev",), "det_firsts": ("_dev",), "det_units": ("_dev",), "det_services": ("_dev",),
}
