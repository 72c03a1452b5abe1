"""Engine, sessions, schema and migrations."""
