"""Local runner for the whole Switchboard suite."""
