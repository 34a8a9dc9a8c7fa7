"""The replay's case table (:mod:`procsimp.engine.replay`), written as SQL over ``events``.

The replay models each dossier as a chain of *stages* in working minutes; this plan computes that
model from the engine's ``events`` table (:mod:`procsimp.engine.prepare`), the same figures as the
definitions of :func:`procsimp.engine.replay.timeline`:

* ``c``: the completion, in working minutes (``wm_end``); ``s``: the start (``wm_start``), the
  completion when the event has none or when the start comes after it;
* an event opens a new stage when it is its case's first, or when it starts at or after the
  latest completion of the events before it in its case (the *frontier*); otherwise it overlaps
  with them and joins their stage. ``stage`` numbers the stages of a case from 0;
* ``origin``: the working minute a dossier's clock starts at: its receipt (``wm_recv`` of its
  first event) when known and not after its first start, else its first start;
* ``ready``: the end of the previous stage (the frontier at the stage's first event: the latest
  completion of the stages before it, which is the previous stage's end since a stage starts at
  or after everything before it ended), or the origin for the first stage;
* ``wait = s − ready`` and ``proc = c − s``, in working minutes.

Results (integer codes of :class:`~procsimp.engine.prepare.Prepared`; the events of one service,
or of every service):

``replay_events``
    one row per event: ``rn``, ``case_id``, ``act`` (NULL for an event without a step),
    ``stage``, ``wait``, ``proc``;
``replay_cases``
    one row per dossier: ``case_id``, ``first_rn`` (the row of its first event: the dossiers'
    order in the log), ``origin``, ``end_act`` (the step of its last event).

Only these columns come back (int32 codes, row numbers and float64 minutes), never the log's
text. Every window is partitioned by dossier (none runs over the whole log, which Spark would
gather in one partition); the caller numbers the dossiers in log order from ``first_rn``.
"""

from __future__ import annotations

from procsimp.errors import ParameterError

__all__ = ["REPLAY_TABLES", "replay_plan"]

#: the result tables of :func:`replay_plan`
REPLAY_TABLES: tuple[str, ...] = ("replay_events", "replay_cases")

#: one row per event of the chosen service(s), with its stage, case index and times
_REV = """
WITH ev AS (
  SELECT rn, case_id, act, wm_end AS c, wm_recv,
    CASE WHEN wm_start IS NOT NULL AND wm_start < wm_end THEN wm_start ELSE wm_end END AS s
  FROM events
  {where}
), fr AS (
  -- one window order (the case, in log order) for all three: one sort of the events
  SELECT *,
    max(c) OVER (PARTITION BY case_id ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS frontier,
    min(rn) OVER w AS first_rn,
    max(rn) OVER w AS last_rn
  FROM ev
  WINDOW w AS (PARTITION BY case_id ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), st AS (
  SELECT *, CASE WHEN frontier IS NULL OR s >= frontier THEN 1 ELSE 0 END AS opens
  FROM fr
)
SELECT rn, case_id, act, c, s, wm_recv, first_rn, last_rn, frontier, opens,
  sum(opens) OVER (PARTITION BY case_id ORDER BY rn ROWS UNBOUNDED PRECEDING) - 1 AS stage
FROM st
"""

#: one row per dossier: where its clock starts, and its last step
_RCASE = """
WITH per_case AS (
  SELECT case_id, min(first_rn) AS first_rn, min(s) AS first_start,
    max(CASE WHEN rn = first_rn THEN wm_recv END) AS rec,
    max(CASE WHEN rn = last_rn THEN act END) AS end_act
  FROM _rev GROUP BY case_id
)
SELECT case_id, first_rn, end_act,
  CASE WHEN rec IS NOT NULL AND rec <= first_start THEN rec ELSE first_start END AS origin
FROM per_case
"""

_EVENTS = """
WITH staged AS (
  SELECT e.*, max(CASE WHEN e.opens = 1 THEN e.frontier END) OVER (PARTITION BY e.case_id, e.stage) AS stage_ready
  FROM _rev AS e
)
SELECT e.rn, CAST(e.case_id AS INTEGER) AS case_id, CAST(e.act AS INTEGER) AS act, CAST(e.stage AS INTEGER) AS stage,
  e.s - coalesce(e.stage_ready, k.origin) AS wait,
  e.c - e.s AS proc
FROM staged AS e JOIN _rcase AS k ON k.case_id = e.case_id
"""

_CASES = """
SELECT CAST(case_id AS INTEGER) AS case_id, first_rn, CAST(end_act AS INTEGER) AS end_act, origin FROM _rcase
"""


def replay_plan(service: int | None = None) -> dict[str, str]:
    """The ordered plan (intermediate tables first) of :data:`REPLAY_TABLES`, over the events of
    the service whose code is ``service`` (every event when None)."""
    if service is not None and (isinstance(service, bool) or not isinstance(service, int)):
        raise ParameterError(f"service must be a service code (int) or None, got {service!r}")
    where = "" if service is None else f"WHERE svc = {int(service)}"
    return {
        "_rev": _REV.format(where=where),
        "_rcase": _RCASE,
        "replay_events": _EVENTS,
        "replay_cases": _CASES,
    }
