"""Users, roles, passwords, tokens and jurisdiction scope."""
