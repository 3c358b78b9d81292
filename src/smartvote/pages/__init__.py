"""Everything a person reads: the forensic report, the Smart Voting pages and the voters' page.

One template root (``pages/templates``), one Jinja2 environment and one PNG helper
(:mod:`smartvote.pages.common`); pages take results, never the store.
"""
