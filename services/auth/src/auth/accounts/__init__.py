"""Users, their passwords and their roles."""
