"""Users, roles, login, and who may do what."""
