"""Switchboard shared kit."""
