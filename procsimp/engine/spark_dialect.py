"""DuckDB's SQL in Spark's: the translation that runs the engine's queries on Spark
(:mod:`procsimp.engine.spark`).

The engine's plans, the out-of-core encoding, the data-quality checks and the preview are SQL
written once, in DuckDB's dialect; :func:`to_spark_sql` translates it with SQLGlot (``read="duckdb", write="spark"``), which
handles the spellings that differ (list indexes counted from 1 in DuckDB and from 0 in Spark,
``LAG(x IGNORE NULLS)``, ``NULLS LAST`` defaults ...). The constructs SQLGlot does not translate
into what Spark means are rewritten on the parsed tree first:

=================================  ==================================================
DuckDB                             Spark SQL
=================================  ==================================================
``quantile_cont(x, [0.5, 0.9])``   ``percentile(x, array(0.5, 0.9))`` (both exact, with
                                   linear interpolation)
``list(act ORDER BY rn)``          ``transform(array_sort(collect_list(struct(rn AS k,
                                   act AS v))), s -> s.v)`` (``collect_list`` alone
                                   has no order; a ``FILTER`` goes on
                                   ``collect_list``)
``list[1:5]``                      ``slice(list, 1, 5)``
``list[i]`` (``i`` not a literal)  ``element_at(list, CAST(i AS INT))`` (both from 1)
``timezone(zone, instant)``        ``from_utc_timestamp(instant, zone)`` (a local time:
                                   ``to_utc_timestamp``; the argument's spelling tells
                                   which, see :func:`_with_time_zone`)
=================================  ==================================================
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["to_spark_sql"]


def _spark_tree(node: Any) -> Any:
    """The rewrites SQLGlot leaves to us (see the module docstring), on one parsed node."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        # DuckDB functions of the out-of-core encoding (procsimp.read.parquet_source) and prepare
        # (procsimp.engine.prepare_sql) that SQLGlot passes through unchanged
        # (renamed in place, so that the transform goes on into the arguments)
        name, args = node.name.lower(), list(node.expressions)
        if name == "epoch_us":  # a timestamp as microseconds since the epoch
            node.set("this", "unix_micros")
        elif name == "timezone":
            # DuckDB's timezone(zone, x) goes the way x's type says: a local time (TIMESTAMP) to
            # that instant (TIMESTAMPTZ), or an instant to its local time; Spark names the two
            if _with_time_zone(args[1]):
                node.set("this", "from_utc_timestamp")
            else:
                node.set("this", "to_utc_timestamp")
            node.set("expressions", [args[1], args[0]])
        elif name == "list_position":  # both count from 1, NULL when absent
            node.set("this", "array_position")
        elif name == "to_microseconds":  # an interval of that many microseconds
            if len(args) != 1 or (isinstance(args[0], exp.Literal) and args[0].is_string):
                raise ValueError(f"only to_microseconds(integer) is translated to Spark, not {node.sql('duckdb')}")
            if isinstance(args[0], exp.Literal):
                seconds = Decimal(int(args[0].this)) / 1_000_000
                return exp.maybe_parse(f"make_dt_interval(0, 0, 0, {seconds:.6f})", dialect="spark")
            # a column: exact decimal seconds (a double would round microseconds of recent times)
            return exp.maybe_parse(
                f"make_dt_interval(0, 0, 0, CAST({args[0].sql('spark')} AS DECIMAL(38, 0)) / 1000000)", dialect="spark")
    if isinstance(node, getattr(exp, "RegexpFullMatch", ())):  # (older SQLGlot: an Anonymous call)
        # DuckDB's regexp_full_match(x, pattern): the whole value matches; Spark's rlike, anchored
        call: Any = node
        pattern = call.expression
        if not isinstance(pattern, exp.Literal) or not pattern.is_string:
            raise ValueError(f"only regexp_full_match(x, string literal) is translated to Spark, not {call.sql('duckdb')}")
        return exp.RegexpLike(this=call.this.copy(), expression=exp.Literal.string(f"^(?:{pattern.this})$"))
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Slice):
            # DuckDB's list[a:b] (from 1, both ends included): Spark's slice(list, a, length)
            start, end = index.this, index.expression
            if not all(isinstance(b, exp.Literal) and not b.is_string for b in (start, end)):
                raise ValueError(f"only list[a:b] with integer literals is translated to Spark, not {node.sql('duckdb')}")
            return exp.Anonymous(this="slice", expressions=[
                node.this.transform(_spark_tree), exp.Literal.number(int(start.this)),
                exp.Literal.number(max(int(end.this) - int(start.this) + 1, 0))])
        if not isinstance(index, exp.Literal):
            # DuckDB's list[i] counts from 1 and SQLGlot shifts literal indexes only: Spark's
            # element_at(list, i) counts from 1 too (its index an INT)
            return exp.Anonymous(this="element_at", expressions=[
                node.this.transform(_spark_tree), exp.cast(index.transform(_spark_tree), "int")])
    if isinstance(node, exp.Tuple) and not isinstance(node.parent, exp.In):
        # DuckDB compares row values (t_end, f, r) as structs: Spark spells one struct(...)
        return exp.Anonymous(this="struct", expressions=list(node.expressions))
    if isinstance(node, exp.CTE) and node.args.get("materialized"):
        # a hint to DuckDB's planner that Spark's grammar does not have
        node = node.copy()
        node.set("materialized", None)
        return node
    if (isinstance(node, exp.Window) and isinstance(node.parent, exp.Binary) and isinstance(node.args.get("alias"), exp.Identifier)
            and not node.args.get("partition_by") and not node.args.get("order")):
        # "f() OVER w - 1": Spark reads a window named "w-1"
        return exp.Paren(this=node.copy())
    if isinstance(node, exp.PercentileCont):
        # DuckDB's quantile_cont(x, q) parses as PERCENTILE_CONT(x, q), which SQLGlot writes as
        # a call that Spark does not have: Spark's exact aggregate is percentile(x, q)
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg) and isinstance(node.this.this, exp.Order):
        # list(x ORDER BY k) FILTER (WHERE c): the filter goes on Spark's collect_list
        return _ordered_list(node.this, node.expression.this)
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return _ordered_list(node)
    return node


def _ordered_list(node: Any, where: Any = None) -> Any:
    """DuckDB's ``list(x ORDER BY k)``: SQLGlot writes collect_list(x), whose order Spark does not
    keep; the pairs (k, x) collected and sorted keep it."""
    from sqlglot import exp

    order = node.this.expressions
    if len(order) != 1 or order[0].args.get("desc"):
        raise ValueError(f"only list(x ORDER BY one ascending key) is translated to Spark, not {node.sql('duckdb')}")

    parts = {"__k": order[0].this, "__v": node.this.this, "__c": where}
    condition = " FILTER (WHERE __c)" if where is not None else ""
    tree: Any = exp.maybe_parse(f"transform(array_sort(collect_list(struct(__k AS k, __v AS v)){condition}), s -> s.v)",
                                dialect="spark")
    # the parts (rewritten in turn) take the places of their names
    for column in list(tree.find_all(exp.Column)):
        if column.name in parts:
            column.replace(parts[column.name].transform(_spark_tree))
    return tree


def _with_time_zone(node: Any) -> bool:
    """Whether a DuckDB expression of a time is an instant (TIMESTAMPTZ: ``to_timestamp(...)``,
    ``CAST(... AS TIMESTAMPTZ)``, plus or minus an interval) rather than a local time (``CAST(...
    AS TIMESTAMP)``, plus or minus an interval); another spelling is refused, as its type is not
    known without the table's."""
    from sqlglot import exp

    while isinstance(node, (exp.Paren, exp.Add, exp.Sub)):
        node = node.this
    if isinstance(node, exp.UnixToTime):
        return True
    if isinstance(node, exp.Cast) and node.to.is_type("timestamptz", "timestamp", "timestampntz"):
        return bool(node.to.is_type("timestamptz"))
    raise ValueError(f"only timezone(zone, CAST(x AS TIMESTAMP[TZ]) or to_timestamp(x) [+ interval]) is translated to "
                     f"Spark, not timezone(zone, {node.sql('duckdb')})")


def _parse(sql: str) -> Any:
    """One DuckDB-dialect statement, parsed by SQLGlot."""
    import sqlglot

    trees = sqlglot.parse(sql, read="duckdb")
    if len(trees) != 1 or trees[0] is None:
        raise ValueError(f"one SQL statement expected, got {len(trees)}")
    return trees[0]


def _spark_text(tree: Any) -> str:
    return str(tree.transform(_spark_tree).sql(dialect="spark"))


def to_spark_sql(sql: str) -> str:
    """The DuckDB-dialect SQL of :mod:`procsimp.engine.sql` in Spark SQL (see the module docstring)."""
    return _spark_text(_parse(sql))
