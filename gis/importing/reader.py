"""Reading GIS files a column at a time with pyogrio (its own GDAL, newer than the system's)."""

import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import Any, TypeVar

import numpy as np
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

# The formats we are asked to read, by suffix, and the GDAL driver that must have opened them.
# Anything else is refused before GDAL sees it: settings silence gis.W001 on the promise that
# only local files in these formats are opened (a VRT, for one, can point at URLs).
DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
# How each format's files begin. Checked before GDAL opens the file, so a file that is
# something else under our suffix (a VRT renamed .gpkg) never reaches a driver that would
# follow what it points at.
_MAGIC = {"GPKG": b"SQLite format 3\x00", "ESRI Shapefile": b"\x00\x00\x27\x0a", "GeoJSON": b"{"}
T = TypeVar("T")
# Rows per read: small enough for a progress bar to move and memory to stay flat, large
# enough that pyogrio's per-call cost does not show.
CHUNK_ROWS = 50_000


class DatasetError(ValueError):
    """A file that cannot be read; the message says what to do."""


@dataclass(frozen=True)
class LayerInfo:
    name: str
    fields: list[str]
    crs: str | None  # as GDAL identifies it ("EPSG:4548", or WKT); None when undeclared
    features: int
    chunked: bool  # whether the driver can start a read at any row cheaply
    has_geometry: bool = True  # False for a table of attributes alone


@dataclass(frozen=True)
class Dataset:
    """An opened file: its path, driver and layers in file order."""

    path: Path
    driver: str
    layers: dict[str, LayerInfo]


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a layer: geometries as WKB, and each field read as a list."""

    start: int  # 0-based position of the first row in its layer
    wkb: np.ndarray  # object array of bytes, None where a feature has no geometry
    columns: dict[str, list[object]]  # source field -> Python values, None for NULL

    def __len__(self) -> int:
        return len(self.wkb)


def dataset_open(*, path: Path | str) -> Dataset:
    """Open a local GeoPackage, Shapefile or GeoJSON file for reading."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(
            f"{path}: no such file; give the path of a GeoPackage, Shapefile or GeoJSON file"
        )
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise DatasetError(f"{path}: give a .gpkg, .shp or .geojson file")
    unreadable = DatasetError(
        f"{path}: GDAL cannot read it (damaged, or not really a {driver} file): export it "
        "again from the GIS, or open it in QGIS to see what is wrong"
    )
    if not _begins_like(path, driver):
        raise unreadable
    layers = {}
    try:
        for name, _geometry_type in pyogrio.list_layers(path):
            info = pyogrio.read_info(path, layer=name)
            if info["driver"] != driver:
                raise DatasetError(f"{path}: read as {info['driver']}, expected {driver}")
            layers[str(name)] = _layer_info(str(name), info)
    except (DataSourceError, DataLayerError):
        raise unreadable from None
    return Dataset(path, driver, layers)


def _begins_like(path: Path, driver: str) -> bool:
    with path.open("rb") as file:
        head = file.read(64)
    if driver == "GeoJSON":
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(_MAGIC[driver])


def _layer_info(name: str, info: dict[str, Any]) -> LayerInfo:
    features = int(info["features"])
    return LayerInfo(
        name=name,
        fields=[str(f) for f in info["fields"]],
        crs=info["crs"],
        features=features,
        # A driver that cannot count without reading (-1) is read in one go, and so is
        # GeoJSON: its driver claims fast random access, but parses the file again each time.
        chunked=features >= 0
        and info["driver"] != "GeoJSON"
        and bool(info["capabilities"]["fast_set_next_by_index"]),
        has_geometry=info.get("geometry_type") is not None,
    )


def layer_chunks(
    dataset: Dataset, layer: LayerInfo, *, fields: list[str], encoding: str | None = None
) -> Iterator[Chunk]:
    """The layer's rows in order, CHUNK_ROWS at a time (all at once where the driver cannot
    start at a row without reading the rows before it, as GeoJSON's cannot). `encoding`
    overrides what a Shapefile's .cpg says its text is in."""
    starts = range(0, layer.features, CHUNK_ROWS) if layer.chunked else range(1)
    for start in starts:
        try:
            meta, _fids, wkb, data = pyogrio.raw.read(
                dataset.path,
                layer=layer.name,
                columns=fields,
                skip_features=start,
                max_features=CHUNK_ROWS if layer.chunked else None,
                encoding=encoding,
            )
        except UnicodeDecodeError as exc:
            said = f"encoding {encoding!r}" if encoding else "the encoding its .cpg names"
            raise DatasetError(
                f"{dataset.path}: layer {layer.name!r} has text that is not in {said} "
                f"({exc.reason} at byte {exc.start}): give the right one in the mapping, "
                f'e.g. encoding = "GBK" under [layers.{layer.name}]'
            ) from None
        # pyogrio returns fields in file order; the mapping asks for them in its own.
        by_name = dict(zip(meta["fields"], data, strict=True))
        yield Chunk(start, wkb, {f: _python_values(by_name[f]) for f in fields})


def _python_values(array: np.ndarray) -> list[object]:
    """A column as the values GDAL's own feature API gives: int, float, str, None for NULL."""
    if array.dtype == np.bool_:
        # A boolean subtype is an integer field to GDAL; a text column it feeds reads "1".
        return array.astype(np.int64).tolist()
    if array.dtype.kind == "f":
        # pyogrio reads NULL in a numeric field as NaN (and an integer field holding NULLs as
        # floats, which the value cleaning turns back into whole numbers).
        values: list[object] = array.tolist()
        for i in np.flatnonzero(np.isnan(array)).tolist():
            values[i] = None
        return values
    if array.dtype.kind == "M":  # dates and times; NaT for NULL becomes None
        return array.astype(object).tolist()
    return array.tolist()


def read_ahead(items: Iterator[T], *, depth: int = 2) -> Generator[T, None, None]:
    """`items`, produced by a thread of their own up to `depth` ahead of the consumer.

    Reading and checking a chunk is Python work; upserting the one before is PostgreSQL's.
    With the producer in a thread, the one runs while the other waits for the database (a
    psycopg wait releases the GIL), and an import uses two cores instead of one.
    """
    done = object()
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(queue, item, stop):
                    return
            _put(queue, done, stop)
        except BaseException as exc:  # handed over, raised in the consumer
            _put(queue, _Failed(exc), stop)

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


@dataclass(frozen=True)
class _Failed:
    exc: BaseException


def _put(queue: "Queue[object]", item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            queue.put(item, timeout=0.1)
            return True
        except Full:
            continue
    return False
