"""Upserting checked rows by asset id, a batch at a time."""

from django.db import models

from gis.importing.features import Row
from gis.importing.mapping import SERVICE_SEGMENT, LayerMapping
from gis.importing.report import ImportReport, Problem
from gis.models import PipeSegment

BATCH_SIZE = 1000


class BatchWriter:
    """Collects the rows of one layer and upserts them BATCH_SIZE at a time."""

    def __init__(self, layer_mapping: LayerMapping, report: ImportReport) -> None:
        self.mapping = layer_mapping
        self.model: type[models.Model] = layer_mapping.target.model
        self.report = report
        self.counts = report.counts[layer_mapping.target.name]
        self.rows: list[Row] = []
        self.update_fields = _update_fields(layer_mapping)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        manager = self.model._default_manager
        # Only the created/updated counts rest on this read. The upsert itself cannot
        # duplicate (ON CONFLICT on the unique asset_id), whatever runs alongside.
        existing = set(
            manager.filter(asset_id__in=[r.asset_id for r in rows]).values_list(
                "asset_id", flat=True
            )
        )
        services = self._service_links(rows)
        manager.bulk_create(
            [self._instance(row, services) for row in rows],
            update_conflicts=True,
            unique_fields=["asset_id"],
            update_fields=self.update_fields,
        )
        self.counts.updated += len(existing)
        self.counts.created += len(rows) - len(existing)

    def _service_links(self, rows: list[Row]) -> dict[str, int]:
        """Pipe pks by asset id for the pipes these premises name; warn about unknown ones."""
        refs = {row.service_ref for row in rows if row.service_ref}
        if not refs:
            return {}
        found = dict(PipeSegment.objects.filter(asset_id__in=refs).values_list("asset_id", "pk"))
        for row in rows:
            if row.service_ref and row.service_ref not in found:
                reason = f"service pipe {row.service_ref} not found; left to the nearest-main pass"
                self.report.warnings.append(
                    Problem(self.mapping.layer, row.number, row.asset_id, reason)
                )
        return found

    def _instance(self, row: Row, services: dict[str, int]) -> models.Model:
        instance = self.model(asset_id=row.asset_id, geom=row.geom, **row.values)
        if SERVICE_SEGMENT in self.mapping.fields:
            instance.service_segment_id = services.get(row.service_ref or "")  # type: ignore[attr-defined]
        return instance


def _update_fields(layer_mapping: LayerMapping) -> list[str]:
    """The columns a re-import overwrites: what the mapping feeds, never what it leaves out."""
    target = layer_mapping.target
    names = set(layer_mapping.fields) | set(layer_mapping.constants) | target.derived
    names |= {"geom"}
    names.discard("asset_id")
    if any(f.name == "updated_at" for f in target.model._meta.concrete_fields):
        names.add("updated_at")
    return sorted(names)
