"""Facts about the IR: value kinds, activity, lists meeting NumPy."""
