"""The detectors' tables (:mod:`procsimp.detect.aggregates`), written as SQL over ``events``.

The detectors judge steps, not the raw log, so their tables follow the definitions of
:func:`procsimp.detect.aggregates.aggregate`, which differ in a few places from the engine's
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
    one row per event with an activity: ``case_id, rn, svc`` (the case's), ``act, res, unit``,
    ``prv, nxt`` (the previous and next step, NULL at the case's ends), ``prev_res, prev_unit, prev2_unit``
    (officer and unit one and two events before, in the case), ``pos`` (position in the case,
    from 0), ``occ`` (how many times the step ran before in the case), ``next_rn`` (the row of
    its next repeat), ``in_loop``, ``t_begin, t_end`` (start, or completion without one, and
    completion, in microseconds), and the working minutes ``wc, ws`` (completion, start), ``proc, wait,
    sojourn``, the predecessor's processing ``prev_proc`` and ``proc_sum`` (the processing of the
    case so far, this event included; unknown processing counts 0).
``_dkey``
    per (service, step): ``events`` and ``loop_only``.

Results (integer codes; :mod:`procsimp.engine` decodes the names):

``det_pairs``
    the directly-follows pairs of the ``pairs`` table (see :mod:`procsimp.detect.aggregates`);
``det_loops``
    the rework loops of the ``loops`` table: per (service, step), the loops that start at an
    occurrence of the step outside any other loop and end at its next repeat;
``det_endings``, ``det_ending_steps``
    per (service, last step, decider): the cost before the decider (sums and counts, so that any
    set of last steps can be pooled), and per earlier step the cases, positions and cost before
    the decider: the ``knockouts`` and ``knockout_steps`` tables once the knock-out ends are known;
``det_order``
    per candidate pair and last step of the case: the counts and processing sums of the ``order``
    table (the knocked-out cases are those whose last step is a knock-out end).
"""

from __future__ import annotations

__all__ = ["DETECT_INTERMEDIATES", "DETECT_NEEDS", "DETECT_QUERIES"]

#: one row per event with an activity, with the neighbours and times the detectors use
_DEV = """
WITH base AS (
  SELECT case_id, rn, act, res, unit, wm_end AS wc, t_end,
    CASE WHEN t_start IS NULL THEN t_end WHEN t_start < t_end THEN t_start ELSE t_end END AS t_begin,
    CASE WHEN wm_start IS NULL OR wm_end IS NULL THEN NULL
         WHEN wm_start < wm_end THEN wm_start ELSE wm_end END AS ws,
    first_value(svc) OVER c AS svc,
    LAG(act) OVER c AS prv,
    LEAD(act) OVER c AS nxt,
    LAG(wm_end) OVER c AS prev_wc,
    LAG(res) OVER c AS prev_res,
    LAG(unit) OVER c AS prev_unit,
    LAG(unit, 2) OVER c AS prev2_unit,
    (row_number() OVER c) - 1 AS pos,
    (row_number() OVER o) - 1 AS occ,
    LEAD(rn) OVER o AS next_rn,
    count(*) OVER (PARTITION BY case_id, act) AS occurrences
  FROM events
  WHERE act IS NOT NULL
  WINDOW c AS (PARTITION BY case_id ORDER BY rn), o AS (PARTITION BY case_id, act ORDER BY rn)
), marks AS (
  SELECT *, wc - ws AS proc,
    -- the first (last) occurrence of a repeated step opens (closes) its span in the case
    CASE WHEN occ = 0 AND occurrences > 1 THEN 1 ELSE 0 END AS opens,
    CASE WHEN occ = occurrences - 1 AND occurrences > 1 THEN 1 ELSE 0 END AS closes,
    CASE WHEN occ > 0 AND occ < occurrences - 1 THEN 1 ELSE 0 END AS middle
  FROM base
), spans AS (
  -- depth: the spans of the case opened before this event and closed after it (the event is
  -- inside their loop), less its own step's span for a middle occurrence (between two of its
  -- own occurrences an event is in no loop of its step)
  SELECT *,
    (sum(opens - closes) OVER r) - opens - middle AS depth,
    sum(coalesce(proc, 0)) OVER r AS proc_sum,
    LAG(proc) OVER (PARTITION BY case_id ORDER BY rn) AS prev_proc
  FROM marks
  WINDOW r AS (PARTITION BY case_id ORDER BY rn ROWS UNBOUNDED PRECEDING)
)
SELECT case_id, rn, svc, act, res, unit, prv, nxt, prev_res, prev_unit, prev2_unit, occ, pos, next_rn, wc, ws,
  t_begin, t_end, depth > 0 AS in_loop, proc_sum, proc, prev_proc,
  CASE WHEN ws - prev_wc < 0 THEN 0 ELSE ws - prev_wc END AS wait,
  wc - prev_wc AS sojourn
FROM spans
"""

#: per (service, step): events, and whether the step exists only inside loops
_DKEY = """
SELECT svc, act, count(*) AS events,
  count(*) FILTER (WHERE in_loop) / count(*) >= 0.9 AS loop_only
FROM _dev
GROUP BY svc, act
"""

_PAIRS = """
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
    avg(wait) / 60.0 AS wait_hours_mean,
    avg(sojourn) / 60.0 AS sojourn_hours_mean,
    avg(prev_proc) / 60.0 AS source_proc_hours_mean,
    avg(proc) / 60.0 AS target_proc_hours_mean,
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
_LOOPS = """
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
    avg(e_wc - b_wc) / 60.0 AS elapsed_hours_mean,
    avg(e_sum - b_sum) / 60.0 AS effort_hours_mean,
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
_ENDINGS = """
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
  sum(effort_before) AS effort_sum, count(effort_before) AS effort_n,
  sum(elapsed_before) AS elapsed_sum, count(elapsed_before) AS elapsed_n,
  sum(dec_pos) AS steps_sum
FROM ending GROUP BY svc, end_act, decider
"""

#: per (service, last step, decider, earlier step): the steps done before the decider in those
#: cases: in how many cases (first occurrences), at which position, and what they cost
_ENDING_STEPS = """
WITH ending AS (
  SELECT l.case_id, l.svc, l.act AS end_act, d.act AS decider, d.pos AS dec_pos
  FROM _dev AS l JOIN _dev AS d ON d.case_id = l.case_id AND d.pos = l.pos - 1
  WHERE l.nxt IS NULL AND l.pos >= 1
)
SELECT e.svc, e.end_act, e.decider, x.act,
  count(*) FILTER (WHERE x.occ = 0) AS cases,
  sum(x.pos) FILTER (WHERE x.occ = 0) AS position_sum,
  sum(coalesce(x.proc, 0)) AS proc_sum,
  sum(coalesce(x.sojourn, 0)) AS sojourn_sum
FROM ending AS e JOIN _dev AS x ON x.case_id = e.case_id AND x.pos < e.dec_pos
GROUP BY e.svc, e.end_act, e.decider, x.act
"""

#: order of two steps in the cases that have both (first occurrences), for the candidate pairs:
#: the directly-follows pairs of a service in either direction (a = the smaller code); by time
#: (start when known, else completion; equal times are ties), per last step of the case (the
#: detectors count the knocked-out cases among them)
_ORDER = """
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
  sum(proc_a) FILTER (WHERE ta < tb) AS a_proc_first_sum, count(proc_a) FILTER (WHERE ta < tb) AS a_proc_first_n,
  sum(proc_a) FILTER (WHERE tb < ta) AS a_proc_second_sum, count(proc_a) FILTER (WHERE tb < ta) AS a_proc_second_n,
  sum(proc_b) FILTER (WHERE tb < ta) AS b_proc_first_sum, count(proc_b) FILTER (WHERE tb < ta) AS b_proc_first_n,
  sum(proc_b) FILTER (WHERE ta < tb) AS b_proc_second_sum, count(proc_b) FILTER (WHERE ta < tb) AS b_proc_second_n
FROM both_steps GROUP BY svc, a, b, end_act
"""

#: the intermediate tables, in the order they must run
DETECT_INTERMEDIATES: dict[str, str] = {"_dev": _DEV, "_dkey": _DKEY}

#: the result queries
DETECT_QUERIES: dict[str, str] = {
    "det_pairs": _PAIRS, "det_loops": _LOOPS, "det_endings": _ENDINGS, "det_ending_steps": _ENDING_STEPS,
    "det_order": _ORDER,
}

#: which intermediate tables each result needs
DETECT_NEEDS: dict[str, tuple[str, ...]] = {
    "det_pairs": ("_dev", "_dkey"), "det_loops": ("_dev",), "det_endings": ("_dev",), "det_ending_steps": ("_dev",),
    "det_order": ("_dev",),
}
