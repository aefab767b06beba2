"""A figure's parts: what adds up across rows, days and units (the counts, the sum and the
longest of its values) and the values themselves where the figure is a distribution. The
record's rows (reports.figures) and the stored days (reports.rollup) both give parts, merged
here, so the median and the 90th and 97th percentiles of a year are exact however its days
were read.

The SQL: one pass over a source's rows for all of its figures, grouped by the keys asked
(a breakdown's value for a dashboard; day, unit, case type, priority and channel for a
stored day); each figure counts the rows eligible for it (FILTER)."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reports.catalogue import FigureSpec

# The kinds whose values are kept: their median and percentiles are shown.
DISTRIBUTIONS = ("distribution", "mean")
PER_FIGURE = 7  # the aggregates of one figure in a pass's row

_COLUMNS = "({e}) IS TRUE AS e{n}, ({h}) AS h{n}, ({o}) AS o{n}, ({v})::float8 AS v{n}"
_AGGREGATES = """COUNT(*) FILTER (WHERE x.e{n}), COUNT(*) FILTER (WHERE x.e{n} AND x.h{n}),
    COUNT(*) FILTER (WHERE x.e{n} AND x.o{n}), COUNT(x.v{n}) FILTER (WHERE x.e{n}),
    SUM(x.v{n}) FILTER (WHERE x.e{n}), MAX(x.v{n}) FILTER (WHERE x.e{n}), {values}"""
# Every value, 8 bytes each as PostgreSQL sends a float8: read with numpy, no sort in SQL.
_VALUES = "string_agg(float8send(x.v{n}), ''::bytea) FILTER (WHERE x.e{n})"


@dataclass
class Part:
    count: int = 0
    hits: int = 0
    over: int = 0
    valued: int = 0  # rows with a value: the mean's divisor
    total: float = 0.0
    longest: float | None = None
    values: list[bytes] = field(default_factory=list)

    def add(self, other: "Part") -> None:
        self.count += other.count
        self.hits += other.hits
        self.over += other.over
        self.valued += other.valued
        self.total += other.total
        if other.longest is not None:
            self.longest = (
                other.longest if self.longest is None else max(self.longest, other.longest)
            )
        self.values.extend(other.values)

    @property
    def mean(self) -> float | None:
        return self.total / self.valued if self.valued else None

    def percentiles(self) -> tuple[float, float, float] | None:
        """Median, 90th and 97th percentile, interpolated as PostgreSQL's percentile_cont."""
        if not self.values:
            return None
        values = np.frombuffer(b"".join(self.values), dtype=">f8")
        if not values.size:
            return None
        p50, p90, p97 = np.percentile(values, [50, 90, 97])
        return float(p50), float(p90), float(p97)


def part_from(values: tuple[Any, ...]) -> Part:
    """A Part from one figure's PER_FIGURE aggregates (the order of _AGGREGATES)."""
    count, hits, over, valued, total, longest, blob = values
    return Part(
        count=count,
        hits=hits,
        over=over,
        valued=valued,
        total=float(total or 0.0),
        longest=None if longest is None else float(longest),
        values=[bytes(blob)] if blob else [],
    )


def parts_sql(specs: list[FigureSpec], where: str, keys: list[str]) -> str:
    """SELECT keys..., then PER_FIGURE aggregates per spec, GROUP BY the keys."""
    joins = " ".join(dict.fromkeys(s.joins for s in specs if s.joins))
    columns = ",\n        ".join(
        _COLUMNS.format(e=s.eligible, h=s.hit, o=s.over, v=s.value, n=n)
        for n, s in enumerate(specs)
    )
    aggregates = ",\n    ".join(
        _AGGREGATES.format(
            n=n, values=_VALUES.format(n=n) if s.kind in DISTRIBUTIONS else "NULL::bytea"
        )
        for n, s in enumerate(specs)
    )
    named = ", ".join(f"{key} AS k{n}" for n, key in enumerate(keys))
    outer = ", ".join(f"x.k{n}" for n in range(len(keys)))
    reads = f"{named} {columns} {joins} {where}"
    return f"""SELECT {outer},
    {aggregates}
FROM (
    SELECT {named},
        {columns}
    FROM {specs[0].source.from_clause(reads)} {joins}
    WHERE {where}
) x
GROUP BY {outer}"""


def parts_of_row(specs: list[FigureSpec], row: tuple[Any, ...], keys: int) -> list[Part]:
    """Each spec's Part from one row of parts_sql (after its `keys` key columns)."""
    return [
        part_from(tuple(row[keys + n * PER_FIGURE : keys + (n + 1) * PER_FIGURE]))
        for n in range(len(specs))
    ]
