"""The as-is / to-be drawing marks what the proposal changes."""

from __future__ import annotations

import re

import procsimp
from procsimp.engine.edits import Parallelize
from procsimp.mine.render.graphviz import node_ids
from procsimp.propose.diagram import side_by_side
from procsimp.synth import generate


def test_parallel_steps_are_boxed_and_have_no_arrows_between_them():
    log = generate(services=["judicial_record"], cases=300, seed=5, lang="vi").log
    service = log.services[0]
    plan = procsimp.propose(log, service=service)
    pairs = [e for e in plan.edits if isinstance(e, Parallelize)]
    assert pairs, "the judicial-record template has a parallelisable pair"
    dot = side_by_side(plan, lang="vi")
    ids = node_ids(procsimp.mine(plan.to_be), id_prefix="tobe_")
    for e in pairs:
        a, b = ids[e.a], ids[e.b]
        arrows = [line for line in dot.source.splitlines() if re.match(rf"\s*({a} -> {b}|{b} -> {a})\s*\[", line)]
        # only the undirected dotted link of the "in parallel" box remains
        assert len(arrows) == 1 and 'arrowhead=none' in arrows[0] and "dotted" in arrows[0]
    assert "∥ song song" in dot.source
