"""The IR: nodes, value kinds, the SSA builder, handles, printer, verifier, interpreter."""
