"""`switchboard-chat`: migrations, from a shell."""

from __future__ import annotations

from chat.config import Settings
from switchkit.cli import service_cli

main = service_cli(Settings, description=__doc__ or "")
