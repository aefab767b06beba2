"""Addresses, landmarks and corners as callers say them, to places on the map and back."""

from gis.geocoding.candidates import Candidate, Nearest, ReverseGeocode
from gis.geocoding.geocoder import geocode, reverse_geocode
from gis.geocoding.parse import ParsedAddress, parse_address

__all__ = [
    "Candidate",
    "Nearest",
    "ParsedAddress",
    "ReverseGeocode",
    "geocode",
    "parse_address",
    "reverse_geocode",
]
