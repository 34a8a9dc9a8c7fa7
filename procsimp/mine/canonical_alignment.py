"""Optimal alignments with one canonical answer: the same deviations on every run.

pm4py's alignments return *an* optimal alignment, and when several alignments are optimal
(a dossier that swapped two steps can be read as either step out of order; a dossier that stops
one step short can be read as a skipped step or as an unrecorded rejection) which one comes
back depends on the iteration order of sets of transitions and places, which pm4py hashes by
object identity: it changed between two calls in one process and with ``PYTHONHASHSEED``.

Here the optimum is made unique by the cost function, with pm4py's search left as it is. A move
costs, lexicographically:

1. the number of deviations (moves on the log only or on the model only, for a visible
   transition): pm4py's standard cost, so the alignment found is one of pm4py's optimal ones;
2. then the number of silent transitions fired (pm4py's tau cost of 1, second to the
   deviations), so its standard cost and fitness are exactly pm4py's;
3. then a tie-break: every event of the path and every visible transition of the net carries
   its own power of two, and the alignment pays for the events and transitions it leaves
   unsynchronised. Distinct sets of deviations therefore never cost the same, so the optimum's
   deviations are unique. The highest weights go to the transitions of exceptions (an "end"
   exception the log does not show is never invented when a skipped step explains the path as
   well), then to the events from the first to the last (the path is matched from its receipt
   on: a deviation is put on the latest event that explains it), then to the steps, in the
   order of the procedure.

The costs are Python integers and the search is pm4py's Dijkstra variant, which adds them
exactly (the A* variant's linear-programming heuristic works in floating point, where weights
this large would not be exact). The reference procedures are acyclic nets of a few dozen
transitions, so the search stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["align_paths"]


def _int_suffix(name: str) -> tuple[str, int]:
    head, _, tail = name.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (name, -1)


def align_paths(
    paths: Sequence[Sequence[str]],
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    rank: Callable[[str], tuple[bool, int]],
) -> list[dict[str, Any]]:
    """One canonical optimal alignment per path (a sequence of transition labels).

    ``rank(label)`` places a visible transition in the tie-break: ``(True, i)`` for an
    exception (its move on the model avoided before any other), ``(False, i)`` for a step, the
    greater ``i`` avoided more (transitions of equal rank are ordered by name, which the net
    builds in a fixed order). Each result has pm4py's keys: ``alignment`` (pairs of log and
    model labels, ``">>"`` for no move, ``None`` for a silent transition), ``cost`` (pm4py's
    standard cost: 10,000 a deviation and 1 a silent transition), ``bwc`` (the standard cost of
    the path with every event a deviation plus the cheapest run of the net) and ``fitness``
    (``1 - deviations / (events + deviations of the cheapest run)``), as pm4py's
    ``alignments.apply_trace`` gives them, so that pm4py's
    ``replay_fitness.variants.alignment_based.evaluate`` reads them as its own.
    """
    from pm4py.algo.conformance.alignments.petri_net.variants import (
        dijkstra_no_heuristics as dijkstra,
    )
    from pm4py.objects.log.obj import Event, Trace
    from pm4py.objects.petri_net.utils import align_utils

    unit, tau_unit = int(align_utils.STD_MODEL_LOG_MOVE_COST), int(align_utils.STD_TAU_COST)
    visible = sorted(
        (t for t in net.transitions if t.label is not None),
        key=lambda t: (rank(t.label), _int_suffix(t.name)),
    )
    steps = sum(1 for t in visible if not rank(t.label)[0])
    silent = [t for t in net.transitions if t.label is None]
    params = dijkstra.Parameters

    def align(path: Sequence[str]) -> tuple[int, int, list[tuple[Any, Any]]]:
        n = len(path)
        # tie-break weights: the steps 2^0 .. 2^(steps-1) in rank order, then the events from
        # the last to the first, then the exceptions
        tie_unit = 1 << (n + len(visible))  # one silent transition outweighs all ties together
        dev_unit = tie_unit * (len(silent) + 1)  # one deviation outweighs all silent moves and ties
        model_cost: dict[Any, int] = {t: tie_unit for t in silent}
        sync_cost: dict[Any, int] = {}
        for i, t in enumerate(visible):
            model_cost[t] = dev_unit + (1 << (i if i < steps else i + n))
            sync_cost[t] = 0
        trace_cost = [dev_unit + (1 << (steps + n - 1 - j)) for j in range(n)]
        trace = Trace([Event({"concept:name": a}) for a in path])
        res = dijkstra.apply(trace, net, initial_marking, final_marking, parameters={
            params.PARAM_TRACE_COST_FUNCTION: trace_cost,
            params.PARAM_MODEL_COST_FUNCTION: model_cost,
            params.PARAM_SYNC_COST_FUNCTION: sync_cost,
        })
        if res is None:  # pragma: no cover - a workflow net with a run always aligns
            raise RuntimeError(f"no alignment of the path {list(path)!r} on the net {net.name!r}")
        cost = int(res["cost"])
        return cost // dev_unit, (cost % dev_unit) // tie_unit, list(res["alignment"])

    empty_k, empty_tau, _ = align(())
    best_worst = unit * empty_k + tau_unit * empty_tau
    out = []
    for path in paths:
        k, tau, alignment = align(path)
        bwc = unit * len(path) + best_worst
        den = bwc // unit
        out.append({
            "alignment": alignment,
            "cost": unit * k + tau_unit * tau,
            "bwc": bwc,
            "fitness": 1 - k / den if den > 0 else 0.0,
        })
    return out
