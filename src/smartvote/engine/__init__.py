"""The engine's pure core for candidates as people: identity across elections, the ruling
side whatever the label, and candidate effects in the strength model (docs/engine.md)."""
