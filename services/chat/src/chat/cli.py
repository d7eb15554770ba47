"""`switchboard-chat`: migrations, from a shell."""

from __future__ import annotations

import sys
from pathlib import Path

from chat.config import Settings
from switchkit.cli import service_cli

MIGRATIONS = Path(__file__).parent / "migrations"

main = service_cli(
    prog="switchboard-chat", description=__doc__ or "", settings=Settings, migrations=MIGRATIONS
)

if __name__ == "__main__":
    sys.exit(main(None))
