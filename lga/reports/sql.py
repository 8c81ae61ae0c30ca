"""SQL the two databases spell differently, behind one name each.

A session's month is that of its UTC start: its month in Kosovo (UTC+1/+2) is the same for every
session that starts after 02:00 local time, which all trainings do. The participation summary
keeps Kosovo days (dates), whose month is ``month_of``.
"""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float, String


class utc_month(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """'YYYY-MM' of a timestamp."""

    type = String()
    inherit_cache = True


class minutes_between(FunctionElement):  # noqa: N801
    """Minutes from the first timestamp to the second."""

    type = Float()
    inherit_cache = True


@compiles(utc_month, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(list(element.clauses)[0], **kw)})"


@compiles(utc_month, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char(timezone('UTC', {compiler.process(list(element.clauses)[0], **kw)}), 'YYYY-MM')"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _minutes_pg(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


class month_of(FunctionElement):  # noqa: N801
    """A compact value per month of a date, cheap to group by ('YYYY-MM' through month_label)."""

    inherit_cache = True


class month_label(FunctionElement):  # noqa: N801
    """'YYYY-MM' of a month_of."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(list(element.clauses)[0], **kw)})"


@compiles(month_of, "postgresql")
def _month_of_pg(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(list(element.clauses)[0], **kw)}) AS DATE)"


@compiles(month_label, "sqlite")
def _month_label_sqlite(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(month_label, "postgresql")
def _month_label_pg(element, compiler, **kw):
    return f"to_char({compiler.process(list(element.clauses)[0], **kw)}, 'YYYY-MM')"
