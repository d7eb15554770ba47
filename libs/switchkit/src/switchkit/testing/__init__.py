"""Pytest plugin of the kit."""
