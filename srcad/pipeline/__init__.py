"""The compiler as a list of passes, and the cache of generated modules."""
