"""Data I/O: importers, format detection, the store, the catalogue of public datasets and downloads."""
