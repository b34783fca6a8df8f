"""Pages served again without being rendered again, until something they show changes (docs/performance.md)."""
