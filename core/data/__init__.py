"""Static reference data (cities, country names, regions) used by :mod:`core.gazetteer`."""
