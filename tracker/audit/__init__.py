"""Append-only audit log, each row chained to the previous by a hash."""
