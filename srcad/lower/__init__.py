"""Python AST -> SSA IR."""
