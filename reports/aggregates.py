"""Database expressions the reports need: a lead time in seconds and a continuous percentile.

PostgreSQL computes percentiles with ``percentile_cont`` (an ordered-set aggregate). SQLite has no
such aggregate: ``reports.selectors.lead_time`` numbers each group's rows with window functions and
picks the two neighbouring values in SQL (see there), so no backend loads posts into Python.
"""

from __future__ import annotations

from django.db.models import Aggregate, FloatField, Func


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - every backend we run is below
        raise NotImplementedError(f"SecondsBetween is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql_template(compiler, connection, "EXTRACT(EPOCH FROM (%(expressions)s))", " - ")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql_template(compiler, connection, "((julianday(%(expressions)s)) * 86400.0)", ") - julianday(")

    def as_sql_template(self, compiler, connection, template, arg_joiner):
        return Func.as_sql(self, compiler, connection, template=template, arg_joiner=arg_joiner)


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: PostgreSQL only."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - guarded by the selector
        if connection.vendor != "postgresql":
            raise NotImplementedError("percentile_cont is a PostgreSQL aggregate")
        return super().as_sql(compiler, connection, **extra)
