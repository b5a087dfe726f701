"""IR -> Python source -> compiled module."""
