"""IR -> IR: reverse mode, forward mode, inlining of user helpers."""
