"""Identity: users, roles, sessions, second factor, API tokens."""
