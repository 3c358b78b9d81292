"""The civic observer network: protocols submitted by volunteers, checked and brought to consensus.

Pure core: :mod:`~smartvote.observe.consensus` (per-figure consensus with quarantine) and
:mod:`~smartvote.observe.records` (receipts, the hash-chained audit log, coarse times). The
service on top: :mod:`~smartvote.observe.settings`, :mod:`~smartvote.observe.storage`
(SQLAlchemy 2, Alembic migrations in ``migrations/``), :mod:`~smartvote.observe.photos` and
:mod:`~smartvote.observe.app` (the FastAPI app factory). Imports flow one way: the service
imports the core, never the reverse.
"""
