"""The only place where the store meets the pure cores: read tables, call a core, hand back its result."""
