"""Importers: one module per source format, each returning canonical columnar tables."""
