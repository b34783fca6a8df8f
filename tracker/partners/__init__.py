"""Partners keep their own details current: an emailed link (no account) to confirm or correct an organisation's
details and contacts, and the proposed changes staff accept or reject field by field."""
