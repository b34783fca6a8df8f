"""Outcomes: are the new library cards used? ILS activity reports read, matched to the drive's students and kept as
dated snapshots of per-school-and-grade figures (docs/activity-reports.md)."""
