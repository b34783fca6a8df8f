"""MOU documents: versions and amendments, approvals, sign-off, the sealed PDF and its public verification."""
