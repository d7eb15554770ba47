"""Docs portal of the Switchboard gateway: aggregated API docs and health."""

from portal.config import PortalSettings
from portal.main import create_app

__all__ = ["PortalSettings", "create_app"]
