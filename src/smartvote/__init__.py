"""smartvote: one election data layer for Smart Voting, forensics and civic observation."""

__version__ = "0.1.0"
