"""pytest plugin: real database, Redis and NATS fixtures."""
