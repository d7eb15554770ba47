"""Finding and running the external programs the runner drives."""

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.errors import DevstackError

__all__ = ["as_user", "find_program", "is_root", "run_checked", "venv_bin"]

# Not on a normal user's PATH on Debian, yet start-stop-daemon and runuser live there.
_SYSTEM_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def venv_bin() -> Path:
    """The directory of the running interpreter, where the workspace's console scripts live."""
    return Path(sys.executable).parent


def find_program(name: str) -> str | None:
    """Look in the virtualenv first (nats-server, traefik, switchboard-*), then PATH."""
    search = [str(venv_bin()), os.environ.get("PATH", ""), *_SYSTEM_DIRS]
    return shutil.which(name, path=os.pathsep.join(search))


def is_root() -> bool:
    """Whether the runner is the superuser."""
    return os.geteuid() == 0


def as_user(user: str | None, argv: Sequence[str]) -> list[str]:
    """`argv` run as `user` (via runuser, since we are root), or as ourselves when None."""
    if user is None:
        return list(argv)
    runuser = find_program("runuser")
    if runuser is None:
        raise DevstackError(f"runuser is needed to run {argv[0]} as {user}")
    return [runuser, "-u", user, "--", *argv]


def run_checked(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
    log_file: Path | None = None,
    timeout: float | None = None,
) -> str:
    """Run to completion; on failure raise with the command's output and where its log is."""
    try:
        # New session: a Ctrl-C meant for sbctl must not kill a daemon half-way through start.
        result = subprocess.run(  # noqa: S603 (argv built by the runner, never a shell line)
            list(argv),
            env=None if env is None else dict(env),
            input=stdin_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise DevstackError(f"{what}: {argv[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise DevstackError(f"{what}: no answer after {timeout:.0f} s") from exc
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        where = f"\nlog: {log_file}" if log_file is not None else ""
        raise DevstackError(
            f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{output}{where}"
        )
    return result.stdout
