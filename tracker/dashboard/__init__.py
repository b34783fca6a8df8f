"""The home page after sign-in: what needs attention, scoped to the user."""
