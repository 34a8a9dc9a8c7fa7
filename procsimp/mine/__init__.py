"""``mine(log, service=...)`` → :class:`ProcessMap`: the directly-follows map of one service.

The map holds the engine's tables for the service (directly-follows pairs with frequencies and
waiting times, activities with processing and waiting times, variants, start and end
activities) and a networkx graph for analysis. Like Disco's sliders, it can be simplified:

* ``activities=x``: keep the most frequent activities that together cover a share ``x`` of the
  events (the start and end activities of most cases are always kept);
* ``paths=y``: keep the most frequent edges covering a share ``y`` of the flow between the kept
  activities, plus, for every kept activity, its strongest incoming and outgoing edge;
* ``top_variants=k`` / ``min_case_share=s``: keep only the cases of the ``k`` most frequent
  variants / of the variants followed by at least a share ``s`` of the cases.

Filtering never invents an edge: after removing activities, only directly-follows edges that
were observed between two kept activities remain (no bridging edges).

Without arguments the map stays legible: at most :data:`MAX_ACTIVITIES` activities (the most
frequent) and about :data:`MAX_EDGES` edges, those that carry the most flow; ``filters`` says
how many edges and what share of the flow were left out. ``activities=1.0, paths=1.0`` gives
the full map.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.mine.discovery import Model

__all__ = ["START_NODE", "END_NODE", "MAX_ACTIVITIES", "MAX_EDGES", "ProcessMap", "mine", "mine_all"]

#: artificial node before the first activity of every case
START_NODE = "▶"
#: artificial node after the last activity of every case
END_NODE = "■"
#: activities shown by default (the most frequent ones)
MAX_ACTIVITIES = 40
#: edges shown by default: the ones that carry the most flow, plus for every kept activity its
#: strongest incoming and outgoing edge (so a map of many activities may show a few more)
MAX_EDGES = 40

_NODE_ATTRS = (
    "events",
    "cases",
    "proc_hours_mean",
    "proc_hours_median",
    "proc_hours_p90",
    "wait_hours_mean",
    "wait_hours_median",
    "wait_hours_p90",
    "proc_days_mean",
    "wait_days_mean",
    "is_start_share",
    "is_end_share",
)
_EDGE_ATTRS = (
    "count",
    "cases",
    "wait_hours_mean",
    "wait_hours_median",
    "wait_hours_p90",
    "wait_days_mean",
    "wait_days_median",
    "wait_days_p90",
)


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class ProcessMap:
    """The (possibly simplified) directly-follows map of one service.

    * ``dfg``: kept edges between activities (columns of :func:`procsimp.engine.dfg`);
    * ``activities``: kept activities (columns of :func:`procsimp.engine.activity_table`);
    * ``variants``: the variants of the cases in the map (:func:`procsimp.engine.variants`);
    * ``start_end``: kept start and end edges (:func:`procsimp.engine.start_end`);
    * ``n_cases`` / ``n_events``: the cases and events the map describes (after variant filters);
    * ``filters``: the simplification asked for and what it kept;
    * ``graph``: a networkx ``DiGraph`` of the kept activities plus :data:`START_NODE` and
      :data:`END_NODE`, with the figures as node and edge attributes;
    * ``log``: the events the map describes (for the maps of :func:`mine_all`, the service's
      sub-log is made from the whole log when ``log`` is first read, not while mining).
    """

    service: str
    dfg: pd.DataFrame = field(repr=False)
    activities: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    start_end: pd.DataFrame = field(repr=False)
    n_cases: int
    n_events: int
    filters: Mapping[str, Any]
    graph: nx.DiGraph = field(repr=False)
    _log: EventLog | None = field(default=None, repr=False)
    calendar: WorkCalendar | None = field(default=None, repr=False)
    _source: EventLog | None = field(default=None, repr=False)
    #: the log of several services that holds this map's service (``log`` is taken from it)
    _whole: EventLog | None = field(default=None, repr=False)

    @property
    def log(self) -> EventLog | None:
        """The events the map describes."""
        if self._log is None and self._whole is not None:
            # the service's sub-log (made once per log, and shared: EventLog.for_service)
            object.__setattr__(self, "_log", self._whole.for_service(self.service))
        return self._log

    @property
    def origin(self) -> EventLog | None:
        """The log the map was mined from, as it is: :attr:`log` once made, else the log of
        several services that holds the map's service. Its ``source`` and ``warnings`` are those
        of :attr:`log` (a service's sub-log keeps its log's), so a drawing that wants them reads
        them here without copying the service's events out of the whole log."""
        return self._log if self._log is not None else self._whole

    # -------------------------------------------------------------- derived maps
    def filter(
        self,
        *,
        activities: float | None | Any = ...,
        paths: float | None | Any = ...,
        top_variants: int | None | Any = ...,
        min_case_share: float | None | Any = ...,
    ) -> ProcessMap:
        """A new map of the same service with other simplification settings.

        Settings not given keep their current value; ``None`` restores the default.
        """
        current = self.filters
        settings: dict[str, Any] = {
            "activities": current.get("activities") if activities is ... else activities,
            "paths": current.get("paths") if paths is ... else paths,
            "top_variants": current.get("top_variants") if top_variants is ... else top_variants,
            "min_case_share": current.get("min_case_share") if min_case_share is ... else min_case_share,
        }
        source = self._source if self._source is not None else self.log
        if source is None:
            raise ParameterError("this ProcessMap has no log attached; build it with procsimp.mine(log, ...)")
        return _mine_service(source, self.service, calendar=self.calendar, **settings)

    def model(self, *, noise: float = 0.2, full: bool = False) -> Model:
        """Discover a BPMN model and Petri net from the variant table (inductive miner).

        Fitness and precision are measured against the map's variant table: the variants of
        every case of :attr:`log`, so the same as against the log, without another pass over it."""
        from procsimp.mine.discovery import discover_model

        return discover_model(self.variants, noise=noise, full=full)

    def replace(self, **changes: Any) -> ProcessMap:
        return replace(self, **changes)

    # -------------------------------------------------------------- display
    def summary(self) -> dict[str, Any]:
        f = self.filters
        return {
            "service": self.service,
            "cases": self.n_cases,
            "events": self.n_events,
            "activities": f"{f['activities_kept']} of {f['activities_total']}",
            "edges": f"{f['edges_kept']} of {f['edges_total']}",
            "events covered": f"{100 * f['events_share']:.1f}%",
            "flow covered": f"{100 * f['flow_share']:.1f}%",
            "variants": len(self.variants),
        }

    def __repr__(self) -> str:
        f = self.filters
        return (
            f"ProcessMap(service={self.service!r}, cases={self.n_cases}, events={self.n_events}, "
            f"activities={f['activities_kept']}/{f['activities_total']}, "
            f"edges={f['edges_kept']}/{f['edges_total']})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
        )
        picture = ""
        try:
            from procsimp.mine.render.graphviz import map_dot

            picture = map_dot(self).pipe(format="svg").decode("utf-8")
            picture = picture[picture.find("<svg") :] if "<svg" in picture else ""
        except Exception:  # noqa: BLE001 - a notebook preview falls back to the tables
            picture = ""
        tables = (
            "<details><summary>edges</summary>"
            + self.dfg.head(30).to_html(index=False)
            + "</details><details><summary>activities</summary>"
            + self.activities.head(30).to_html(index=False)
            + "</details>"
        )
        return f"<div><strong>procsimp ProcessMap</strong><table>{rows}</table>{picture}{tables}</div>"


# ---------------------------------------------------------------------------- checks
def _share(name: str, value: Any, example: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number between 0 and 1 ({example}), got {value!r}")
    v = float(value)
    if not (0.0 < v <= 1.0) or math.isnan(v):
        hint = f"; for {v:g}% write {v / 100:g}" if 1.0 < v <= 100.0 else ""
        raise ParameterError(f"{name} must be a share above 0 and at most 1 ({example}), got {value!r}{hint}")
    return v


def _pick_service(log: EventLog, service: str | None) -> tuple[EventLog, str]:
    from procsimp.engine import DEFAULT_SERVICE

    services = log.services
    if service is None:
        if len(services) > 1:
            shown = ", ".join(repr(s) for s in services[:20])
            raise ParameterError(
                f"the log {log.source} has {len(services)} services; mine one at a time with "
                f"service=... (CLI: --service S); services: {shown}"
            )
        return log, (services[0] if services else DEFAULT_SERVICE)
    if not services and service == DEFAULT_SERVICE:
        return log, service
    return log.for_service(service), service


# ---------------------------------------------------------------------------- simplification
def _keep_activities(
    acts: pd.DataFrame, se: pd.DataFrame, share: float | None
) -> tuple[list[str], str]:
    """Names of the kept activities (most frequent first) and how they were chosen."""
    order = acts.sort_values(["events", "activity"], ascending=[False, True], kind="stable")
    names = [str(a) for a in order["activity"]]
    events = order["events"].to_numpy(dtype=float)
    forced: list[str] = []  # the start and the end activity of most cases
    for role in ("start", "end"):
        rows = se[se["role"] == role].sort_values(["cases", "activity"], ascending=[False, True], kind="stable")
        if len(rows) and str(rows["activity"].iloc[0]) not in forced:
            forced.append(str(rows["activity"].iloc[0]))
    if share is None:
        room = max(MAX_ACTIVITIES - len(forced), 0)
        kept = [a for a in names if a not in forced][:room]
        how = f"auto (the {MAX_ACTIVITIES} most frequent)" if len(names) > MAX_ACTIVITIES else "auto (all)"
    else:
        total = events.sum()
        cum = np.cumsum(events)
        n = int(np.searchsorted(cum, share * total - 1e-9 * max(total, 1.0), side="left")) + 1
        kept = names[: min(n, len(names))]
        how = f"cover {100 * share:g}% of events"
    keep = set(kept) | set(forced)
    return [a for a in names if a in keep], how


def _edge_frame(dfg: pd.DataFrame, se: pd.DataFrame, kept: set[str]) -> pd.DataFrame:
    """All candidate edges between kept activities, including the start and end edges."""
    inner = dfg[dfg["source"].isin(kept) & dfg["target"].isin(kept)]
    edges = pd.DataFrame(
        {
            "source": inner["source"].astype(object).to_numpy(),
            "target": inner["target"].astype(object).to_numpy(),
            "count": inner["count"].to_numpy(dtype=np.int64),
        }
    )
    starts = se[(se["role"] == "start") & se["activity"].isin(kept)]
    ends = se[(se["role"] == "end") & se["activity"].isin(kept)]
    outer = pd.DataFrame(
        {
            "source": [START_NODE] * len(starts) + [str(a) for a in ends["activity"]],
            "target": [str(a) for a in starts["activity"]] + [END_NODE] * len(ends),
            "count": np.concatenate(
                [starts["cases"].to_numpy(dtype=np.int64), ends["cases"].to_numpy(dtype=np.int64)]
            ),
        }
    )
    edges = pd.concat([edges, outer], ignore_index=True)
    return edges.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


def _keep_edges(edges: pd.DataFrame, kept: list[str], share: float | None) -> tuple[set[tuple[str, str]], str]:
    pairs = list(zip(edges["source"], edges["target"], strict=True))
    counts = edges["count"].to_numpy(dtype=float)
    # each kept activity keeps its strongest incoming and outgoing edge (edges are sorted)
    guaranteed: set[tuple[str, str]] = set()
    seen_in: set[str] = set()
    seen_out: set[str] = set()
    for s, t in pairs:
        if t not in seen_in and t != END_NODE:
            seen_in.add(t)
            guaranteed.add((s, t))
        if s not in seen_out and s != START_NODE:
            seen_out.add(s)
            guaranteed.add((s, t))
    if share is None:
        chosen = set(guaranteed)
        for pair in pairs:
            if len(chosen) >= MAX_EDGES:
                break
            chosen.add(pair)
        how = f"auto (at most {MAX_EDGES})" if len(pairs) > MAX_EDGES else "auto (all)"
        return chosen, how
    total = counts.sum()
    cum = np.cumsum(counts)
    n = int(np.searchsorted(cum, share * total - 1e-9 * max(total, 1.0), side="left")) + 1
    chosen = set(pairs[: min(n, len(pairs))]) | guaranteed
    return chosen, f"cover {100 * share:g}% of the flow"


def _graph(
    service: str,
    acts: pd.DataFrame,
    dfg: pd.DataFrame,
    se: pd.DataFrame,
    n_cases: int,
) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph(service=service, cases=n_cases)
    nan = float("nan")
    g.add_node(START_NODE, kind="start", events=n_cases, cases=n_cases, **{a: nan for a in _NODE_ATTRS[2:]})
    for row in acts.to_dict(orient="records"):
        g.add_node(str(row["activity"]), kind="activity", **{a: _num(row[a]) for a in _NODE_ATTRS})
    g.add_node(END_NODE, kind="end", events=n_cases, cases=n_cases, **{a: nan for a in _NODE_ATTRS[2:]})
    for row in dfg.to_dict(orient="records"):
        g.add_edge(str(row["source"]), str(row["target"]), **{a: _num(row[a]) for a in _EDGE_ATTRS})
    for row in se.to_dict(orient="records"):
        pair = (START_NODE, str(row["activity"])) if row["role"] == "start" else (str(row["activity"]), END_NODE)
        c = int(row["cases"])
        g.add_edge(*pair, count=c, cases=c, **{a: nan for a in _EDGE_ATTRS[2:]})
    return g


def _num(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


# ---------------------------------------------------------------------------- the verb
def mine(
    log: EventLog,
    service: str | None = None,
    *,
    activities: float | None = None,
    paths: float | None = None,
    top_variants: int | None = None,
    min_case_share: float | None = None,
    calendar: WorkCalendar | None = None,
) -> ProcessMap:
    """The process map of one service (see the module docstring for the simplification).

    ``service`` may be omitted when the log has one service (or no service column). Waiting and
    processing times use ``calendar`` for working hours (default: the Vietnamese office
    calendar). The log is not modified.
    """
    from procsimp.engine.inputs import check_log

    check_log(log)
    sub, name = _pick_service(log, service)
    return _mine_service(
        sub,
        name,
        activities=activities,
        paths=paths,
        top_variants=top_variants,
        min_case_share=min_case_share,
        calendar=calendar,
    )


#: the engine's tables a map is made of
_MAP_TABLES: tuple[str, ...] = ("dfg", "activities", "variants", "start_end")


def _mine_service(
    source: EventLog,
    service: str,
    *,
    activities: float | None,
    paths: float | None,
    top_variants: int | None,
    min_case_share: float | None,
    calendar: WorkCalendar | None,
) -> ProcessMap:
    from procsimp import engine
    from procsimp.core import progress

    progress.step("mine", service)
    act_share = _share("activities", activities, "0.8 keeps the activities covering 80% of events")
    path_share = _share("paths", paths, "0.5 keeps the edges covering 50% of the flow")
    log = engine.filter_variants(source, top=top_variants, min_share=min_case_share, calendar=calendar)
    if log.n_events == 0:
        best = engine.variants(source, calendar=calendar)["share"].max()
        raise ParameterError(
            f"min_case_share={min_case_share!r} keeps no case of service {service!r}: its most "
            f"frequent variant covers {best:.4f} of the cases; use a smaller share"
        )
    agg = engine.aggregates(log, calendar=calendar, tables=_MAP_TABLES)
    # the service's cases: the engine's variant table of the log before the variant filter
    total = None if log is source else int(engine.variants(source, calendar=calendar)["cases"].sum())
    return _build_map(
        service, agg, log=log, source=source, calendar=calendar, cases_total=total,
        activities=act_share, paths=path_share, top_variants=top_variants, min_case_share=min_case_share,
    )


def _build_map(
    service: str,
    agg: Any,
    *,
    log: EventLog | None,
    source: EventLog | None,
    calendar: WorkCalendar | None,
    cases_total: int | None,
    activities: float | None,
    paths: float | None,
    top_variants: int | None,
    min_case_share: float | None,
    whole: EventLog | None = None,
) -> ProcessMap:
    """The map of one service from the engine's tables of that service (``agg``: dfg, activities,
    variants, start_end); ``cases_total``: the service's cases before a variant filter (None: no
    filter, the cases of the map). ``log``, ``source``: the service's events (and before the
    variant filter); None with ``whole``, the log they are taken from when first asked for."""
    act_share, path_share = activities, paths
    full_dfg, full_acts, var, full_se = agg.dfg, agg.activities, agg.variants, agg.start_end
    assert full_dfg is not None and full_acts is not None and var is not None and full_se is not None

    kept, act_how = _keep_activities(full_acts, full_se, act_share)
    kept_set = set(kept)
    candidates = _edge_frame(full_dfg, full_se, kept_set)
    chosen, path_how = _keep_edges(candidates, kept, path_share)

    acts = full_acts[full_acts["activity"].isin(kept_set)].reset_index(drop=True)
    pair_keep = [
        (s, t) in chosen for s, t in zip(full_dfg["source"], full_dfg["target"], strict=True)
    ]
    dfg = full_dfg[np.asarray(pair_keep, dtype=bool)].reset_index(drop=True)
    se_keep = [
        ((START_NODE, a) if r == "start" else (a, END_NODE)) in chosen
        for a, r in zip(full_se["activity"], full_se["role"], strict=True)
    ]
    se = full_se[np.asarray(se_keep, dtype=bool)].reset_index(drop=True)

    n_cases = int(var["cases"].sum())
    n_events = int(var["events"].sum())
    flow_total = float(candidates["count"].sum())
    flow_kept = float(dfg["count"].sum() + se["cases"].sum())
    total_edges = len(full_dfg) + len(full_se)
    filters = {
        "activities": act_share,
        "paths": path_share,
        "top_variants": top_variants,
        "min_case_share": min_case_share,
        "activities_rule": act_how,
        "paths_rule": path_how,
        "activities_kept": len(acts),
        "activities_total": len(full_acts),
        "edges_kept": len(dfg) + len(se),
        "edges_total": total_edges,
        "events_share": float(acts["events"].sum()) / n_events if n_events else 0.0,
        "flow_share": flow_kept / flow_total if flow_total else 0.0,
        "edges_left_out": total_edges - (len(dfg) + len(se)),
        "cases_kept": n_cases,
        "cases_total": n_cases if cases_total is None else cases_total,
    }
    graph = _graph(service, acts, dfg, se, n_cases)
    return ProcessMap(
        service=service,
        dfg=dfg,
        activities=acts,
        variants=var,
        start_end=se,
        n_cases=n_cases,
        n_events=n_events,
        filters=filters,
        graph=graph,
        _log=log,
        calendar=calendar,
        _source=source,
        _whole=whole,
    )


def mine_all(log: EventLog, *, services: Iterable[str] | None = None, **options: Any) -> list[ProcessMap]:
    """One :func:`mine` per service of the log (or per service in ``services``), in that order;
    ``options`` are :func:`mine`'s (activities, paths, top_variants, min_case_share, calendar).
    ``procsimp mine LOG --out OUT`` is ``mine_all`` then :func:`procsimp.output.maps.write_maps`.

    The maps are those :func:`mine` gives, but for several services the services' sub-logs are not
    kept: a log in memory is encoded one service at a time, each service's events let go of before
    the next; a log left on its Parquet files is encoded once (instead of once per service) and the
    plan runs service by service over it. Each map makes its :attr:`ProcessMap.log` from the whole
    log when first asked for it.
    With a variant filter (``top_variants``, ``min_case_share``) each service is mined on its own."""
    from procsimp.engine.inputs import check_log

    check_log(log)
    names: list[str | None] = list(services) if services is not None else [*log.services] or [None]
    together = len(names) > 1 and options.get("top_variants") is None and options.get("min_case_share") is None
    if not together:
        return [mine(log, name, **options) for name in names]
    return _mine_together(log, [str(n) for n in names], **options)


def _mine_together(
    log: EventLog,
    names: list[str],
    *,
    activities: float | None = None,
    paths: float | None = None,
    calendar: WorkCalendar | None = None,
    top_variants: None = None,
    min_case_share: None = None,
) -> list[ProcessMap]:
    """:func:`mine_all` of several services, their sub-logs not kept (:func:`_service_tables`)."""
    from procsimp.core import progress

    # the names are checked as mine() checks them; the services' sub-logs are not kept (in memory
    # they would copy every event once more): each map takes its own from the log when asked
    available = set(log.services)
    for name in names:
        if name not in available:
            log.for_service(name)  # raises, naming the services (or a name written otherwise)
    act_share = _share("activities", activities, "0.8 keeps the activities covering 80% of events")
    path_share = _share("paths", paths, "0.5 keeps the edges covering 50% of the flow")
    progress.step("mine")
    tables = _service_tables(log, names, calendar=calendar)
    maps = []
    for i, name in enumerate(names, start=1):
        progress.step("mine", name, index=i, total=len(names))
        agg = tables[name]
        maps.append(_build_map(name, agg, log=None, source=None, calendar=calendar, cases_total=None,
                               activities=act_share, paths=path_share, top_variants=None, min_case_share=None,
                               whole=log))
    return maps


def _service_tables(log: EventLog, names: list[str], *, calendar: WorkCalendar | None) -> dict[str, Any]:
    """The engine's map tables (:data:`_MAP_TABLES`) of each service in ``names``.

    A log in memory, on DuckDB, is encoded one service at a time: each service's events are taken
    from the log, encoded, aggregated and let go of before the next, so that the memory the engine
    needs is that of the largest service, not of every event encoded at once (the tables are the
    same: each is grouped by service). A log on its Parquet files (or on Spark) is encoded once,
    where the backend works, and its plan runs service by service over that one events table."""
    from procsimp import engine
    from procsimp.engine.backend import DuckDBBackend

    wanted = list(dict.fromkeys(names))
    if not log.out_of_core and isinstance(engine.get_backend(), DuckDBBackend):
        tables = {}
        for name in wanted:
            sub = log.for_service(name, keep=False)  # a copy of the service's events, for this turn only
            tables[name] = engine.aggregates(sub, calendar=calendar, tables=_MAP_TABLES)
            if sub is not log:  # the log itself (of that service only) keeps the engine's work
                engine.release(sub)
        return tables
    scope = log.for_service(wanted)
    whole = engine.aggregates(scope, calendar=calendar, tables=_MAP_TABLES, by_service=True)
    parts = {table: _split(getattr(whole, table), wanted) for table in _MAP_TABLES}
    return {name: replace(whole, **{table: parts[table][name] for table in _MAP_TABLES}) for name in wanted}


def _split(table: pd.DataFrame, names: list[str]) -> dict[str, pd.DataFrame]:
    """The rows of each service in ``names`` (in the table's order, index from 0)."""
    groups = {str(k): v for k, v in table.groupby("service", sort=False, observed=True, dropna=False)}
    return {name: (groups[name] if name in groups else table.iloc[:0]).reset_index(drop=True) for name in names}
