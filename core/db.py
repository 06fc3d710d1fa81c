"""Query helpers that keep large lists cheap on PostgreSQL and still run on SQLite."""

from __future__ import annotations

from django.db.models import BooleanField, Func


class AnyOf(Func):
    """``lhs`` is one of the values ``subquery`` returns.

    SQLite: ``lhs IN (subquery)``. PostgreSQL: ``lhs = ANY(ARRAY(subquery))``, an InitPlan run once whose
    result the planner can use in an index scan and combine with the other arms of an OR (BitmapOr), where
    ``IN (subquery)`` inside an OR stays a filter tried on every row (at 100,000 open stage reviews, a walk
    over all of them for someone eligible for none).
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, lhs, subquery, **extra):
        super().__init__(lhs, subquery, **extra)

    def as_sql(self, compiler, connection, template="{lhs} IN {sub}", **extra_context):
        lhs, subquery = self.get_source_expressions()
        lhs_sql, lhs_params = compiler.compile(lhs)
        sub_sql, sub_params = compiler.compile(subquery)
        if not sub_sql.startswith("("):
            sub_sql = f"({sub_sql})"
        return template.format(lhs=lhs_sql, sub=sub_sql), (*lhs_params, *sub_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="{lhs} = ANY(ARRAY{sub})")
