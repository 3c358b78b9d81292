"""Election forensics: statistical fingerprints of falsified official results.

Pure methods (arrays in, frozen result dataclasses out; no files, network, database or
printing): :mod:`~smartvote.forensics.inputs` turns the canonical tables of one contest into
per-station arrays, :mod:`~smartvote.forensics.integer` is the integer-percentage test of
Kobak, Shpilkin & Pshenichnikov (Annals of Applied Statistics 10(1), 2016), and
:mod:`~smartvote.forensics.shpilkin` is Sergey Shpilkin's estimate of anomalous votes.
"""
