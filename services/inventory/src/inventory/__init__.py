"""Switchboard inventory service: DID phone numbers for sale."""
