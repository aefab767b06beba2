"""What an import did: counts per target, and every feature it refused or doubted."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from gis.network_split import SplitResult


@dataclass(frozen=True)
class Problem:
    """One feature's trouble: where it is in the source, and why."""

    layer: str
    row: int  # 1-based position of the feature in its layer
    asset_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.layer} row {self.row}"
        if self.asset_id is not None:
            where += f" (asset {self.asset_id})"
        return f"{where}: {self.reason}"


@dataclass
class TargetCounts:
    created: int = 0
    updated: int = 0  # matched by asset id, and a value differed
    unchanged: int = 0  # matched by asset id, every value the same: not written
    rejected: int = 0
    skipped: int = 0  # left out by the mapping's row filter, on purpose


@dataclass
class ImportReport:
    """The outcome of one `network_import`, with a summary for people."""

    path: str
    dry_run: bool = False
    counts: dict[str, TargetCounts] = field(default_factory=dict)
    rejects: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # imported, but not quite as given
    missing_layers: list[str] = field(default_factory=list)  # in the mapping, not in the file
    ignored_layers: list[str] = field(default_factory=list)  # in the file, not in the mapping
    premises_connected: int = 0
    retired: dict[str, int] = field(default_factory=dict)  # --retire-missing, by target
    split: SplitResult = field(default_factory=SplitResult)  # mains cut where valves sit
    revision: int | None = None
    # Seconds by phase: "<target>.total" for a layer, of which .read and .check (in one
    # thread) overlap .write (COPY and upsert, in another); then "split" and "connect".
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def reject(self, problem: Problem, *, target: str) -> None:
        self.rejects.append(problem)
        self.counts[target].rejected += 1

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to `phase` in `seconds`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[phase] = self.seconds.get(phase, 0.0) + elapsed

    def summary(self) -> str:
        """A few lines for a terminal: a table of counts, then what else happened."""
        verb = "Checked (dry run, nothing written)" if self.dry_run else "Imported"
        lines = [
            f"{verb} {self.path}",
            f"  {'target':<10} {'created':>8} {'updated':>8} {'unchanged':>9} {'rejected':>9} "
            f"{'skipped':>8}",
        ]
        for target, c in self.counts.items():
            lines.append(
                f"  {target:<10} {c.created:>8} {c.updated:>8} {c.unchanged:>9} {c.rejected:>9} "
                f"{c.skipped:>8}"
            )
        if self.split.mains_split:
            lines.append(
                f"{self.split.mains_split} mains split where valves, stations or other mains "
                f"sit on them, into {self.split.mains_split + self.split.parts_made} parts"
            )
        if self.split.parts_retired:
            lines.append(f"{self.split.parts_retired} parts no longer needed marked abandoned")
        if self.split.name_taken:
            lines.append(
                "mains not split, a part's name (<asset id>#2...) is another main's asset id: "
                + ", ".join(self.split.name_taken[:10])
            )
        if self.split.too_long:
            lines.append(
                "mains not split, asset id too long for a part number: "
                + ", ".join(self.split.too_long[:10])
            )
        gone = ", ".join(f"{n} {t}" for t, n in self.retired.items() if n)
        if gone:
            lines.append(
                f"no longer in the file, retired: {gone} (mains marked abandoned, "
                "valves and stations deleted)"
            )
        if self.premises_connected:
            lines.append(f"{self.premises_connected} premises connected to their nearest main")
        if self.revision is not None:
            lines.append(f"network revision is now {self.revision}")
        if self.missing_layers:
            lines.append(f"mapped layers not in the file: {', '.join(self.missing_layers)}")
        if self.ignored_layers:
            lines.append(f"layers not in the mapping, ignored: {', '.join(self.ignored_layers)}")
        if self.rejects:
            lines.append(f"{len(self.rejects)} features rejected")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warnings")
        return "\n".join(lines)
