"""Importing the network from GIS files (GeoPackage, Shapefile, GeoJSON) by a TOML mapping."""

from gis.importing.mapping import DEFAULT_MAPPING, TARGETS, LayerMapping, MappingError, mapping_load
from gis.importing.reader import DatasetError, dataset_open
from gis.importing.report import ImportReport, Problem, TargetCounts
from gis.importing.service import network_import

__all__ = [
    "DEFAULT_MAPPING",
    "TARGETS",
    "DatasetError",
    "ImportReport",
    "LayerMapping",
    "MappingError",
    "Problem",
    "TargetCounts",
    "dataset_open",
    "mapping_load",
    "network_import",
]
