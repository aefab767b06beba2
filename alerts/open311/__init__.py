"""Open311 GeoReport v2 under /open311/v2/: linked hotlines (the city's 12345) report through
the same intake as the console, and read their requests back in JSON or XML."""
