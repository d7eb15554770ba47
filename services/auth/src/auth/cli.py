"""`switchboard-auth`: migrations, signing-key generation and the first admin, from a shell."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from auth.accounts import service as accounts
from auth.config import Settings
from auth.sessions.keys import generate_private_key_pem
from switchkit.cli import in_transaction, service_cli
from switchkit.problems import BadRequest, KitError


def keygen(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists():
        print(f"{path} exists; keeping it")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written owner-only from the start: it is the key every token's trust rests on.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(generate_private_key_pem())
    print(f"wrote a new Ed25519 signing key to {path}")
    return 0


def create_admin(args: argparse.Namespace) -> int:
    password = os.environ.get("SWITCHBOARD_ADMIN_PASSWORD") or getpass.getpass("Password: ")

    async def promote(session: AsyncSession) -> str:
        user = await accounts.ensure_admin(
            session=session, username=args.username, password=password
        )
        return f"{user.username} ({user.id}) is an admin"

    try:
        print(in_transaction(Settings(), promote))
    except BadRequest as exc:
        reasons = "; ".join(f"{error.field} {error.message}" for error in exc.errors)
        print(f"refused: {reasons}", file=sys.stderr)
        return 2
    except KitError as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        return 2
    return 0


def _commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    key = commands.add_parser("keygen", help="write a new signing key to PATH if it is absent")
    key.add_argument("path")
    key.set_defaults(run=keygen)
    admin = commands.add_parser(
        "create-admin",
        help="create an admin (password from SWITCHBOARD_ADMIN_PASSWORD or a prompt), "
        "or grant the role to an existing user",
    )
    admin.add_argument("--username", required=True)
    admin.set_defaults(run=create_admin)


main = service_cli(Settings, description=__doc__ or "", add_commands=_commands)
