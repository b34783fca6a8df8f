"""Agreements: the partnership's formal frame, its parties, term, goals and status."""
