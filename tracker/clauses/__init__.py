"""The clause library: standard MOU clauses with variables, rendered in a sandbox."""
