"""Rules for products: `vdot inner outer tensordot einsum kron trace`."""
