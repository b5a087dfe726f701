"""Rules for `scipy.special` (registered only when SciPy is importable)."""
