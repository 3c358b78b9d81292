"""Smart Voting tactics: the pure core behind endorsements and their retrospective measures.

Tables in, frozen result dataclasses out: no files (besides the package's own party mapping),
no network, no database, no printing. The CLI (:mod:`smartvote.cli.tactics`) and the HTML
report (:mod:`smartvote.pages.tactics`) sit on top.
"""
