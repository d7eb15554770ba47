"""The DID numbers: their table, rules and routes."""
