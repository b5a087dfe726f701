"""IR simplification: folding, identities, CSE, dead code."""
