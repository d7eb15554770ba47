"""Test support shared by every service: real Postgres, Redis and NATS for service tests."""

from switchkit.testing.plugin import InfraUrls, ServiceUnderTest, settings_for_tests
from switchkit.testing.tokens import TestTokens

__all__ = ["InfraUrls", "ServiceUnderTest", "TestTokens", "settings_for_tests"]
