"""Demo data: a library system, a school district and the agreements between them."""
