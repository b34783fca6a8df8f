"""Organisations (library systems, branches, districts, schools, municipalities) and contacts."""
