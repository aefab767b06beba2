"""What an import did: counts per target, and every feature it refused or doubted."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gis.network_split import SplitResult


@dataclass(frozen=True)
class Problem:
    """One feature's trouble: where it is in the source, and why."""

    layer: str
    row: int  # 1-based position of the feature in its layer
    asset_id: str | None
    reason: str

    def __str__(self) -> str:
        where = {
            "layer": self.layer,
            "row": self.row,
            "asset": self.asset_id,
            "reason": self.reason,
        }
        if self.asset_id is not None:
            return _("%(layer)s row %(row)d (asset %(asset)s): %(reason)s") % where
        return _("%(layer)s row %(row)d: %(reason)s") % where


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
        if self.dry_run:
            head = _("Checked (dry run, nothing written) %(path)s") % {"path": self.path}
        else:
            head = _("Imported %(path)s") % {"path": self.path}
        columns = [
            _("target"),
            _("created"),
            _("updated"),
            _("unchanged"),
            _("rejected"),
            _("skipped"),
        ]
        width = max([10, *(len(target) for target in self.counts)])  # power_substations
        lines = [
            head,
            f"  {columns[0]:<{width}} {columns[1]:>8} {columns[2]:>8} {columns[3]:>9} "
            f"{columns[4]:>9} {columns[5]:>8}",
        ]
        for target, c in self.counts.items():
            lines.append(
                f"  {target:<{width}} {c.created:>8} {c.updated:>8} {c.unchanged:>9} "
                f"{c.rejected:>9} {c.skipped:>8}"
            )
        split = self.split
        if split.mains_split:
            lines.append(
                _(
                    "%(mains)d mains split where valves, stations or other mains sit on them, "
                    "into %(parts)d parts"
                )
                % {"mains": split.mains_split, "parts": split.mains_split + split.parts_made}
            )
        if split.parts_retired:
            lines.append(_("%d parts no longer needed marked abandoned") % split.parts_retired)
        if split.name_taken:
            lines.append(
                _("mains not split, a part's name (<asset id>#2...) is another main's asset id: %s")
                % ", ".join(split.name_taken[:10])
            )
        if split.too_long:
            lines.append(
                _("mains not split, asset id too long for a part number: %s")
                % ", ".join(split.too_long[:10])
            )
        gone = ", ".join(f"{n} {t}" for t, n in self.retired.items() if n)
        if gone:
            lines.append(
                _(
                    "no longer in the file, retired: %s (mains marked abandoned, valves and "
                    "stations deleted)"
                )
                % gone
            )
        if self.premises_connected:
            lines.append(_("%d premises connected to their nearest main") % self.premises_connected)
        if self.revision is not None:
            lines.append(_("network revision is now %d") % self.revision)
        if self.missing_layers:
            lines.append(_("mapped layers not in the file: %s") % ", ".join(self.missing_layers))
        if self.ignored_layers:
            lines.append(
                _("layers not in the mapping, ignored: %s") % ", ".join(self.ignored_layers)
            )
        if self.rejects:
            lines.append(_("%d features rejected") % len(self.rejects))
        if self.warnings:
            lines.append(_("%d warnings") % len(self.warnings))
        return "\n".join(lines)
