"""Card drives: card programmes, data-sharing specs, rosters, per-school counts and patron exports."""
