"""Election forensics: statistical fingerprints of falsified official results.

Pure methods (arrays in, frozen result dataclasses out; no files, network, database or
printing): :mod:`~smartvote.forensics.inputs` turns the canonical tables of one contest into
per-station arrays, :mod:`~smartvote.forensics.integer` is the integer-percentage test of
Kobak, Shpilkin & Pshenichnikov (Annals of Applied Statistics 10(1), 2016),
:mod:`~smartvote.forensics.shpilkin` is Sergey Shpilkin's estimate of anomalous votes,
:mod:`~smartvote.forensics.fingerprint` and :mod:`~smartvote.forensics.klimek` are the election
fingerprint and the fraud model of Klimek, Yegorov, Hanel & Thurner (PNAS 109(41), 2012), and
:mod:`~smartvote.forensics.digits` the digit and distribution tests of the Election Forensics
Toolkit (Hicken & Mebane 2015-2017).
"""
