"""Switchboard chat service: rooms, messages, direct messages, realtime delivery."""
