"""A throwaway Postgres cluster under the state dir, for machines that have none running."""

import hashlib
import pwd
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.commands import as_user, find_program, is_root, run_checked
from devstack.config import Endpoint
from devstack.console import say
from devstack.errors import DevstackError

__all__ = ["PostgresCluster", "find_bindir", "prepare_cluster", "start", "stop"]

_DEBIAN_VERSIONS = Path("/usr/lib/postgresql")
# initdb refuses to run as root; Debian's packages create this user.
_SERVICE_USER = "postgres"
_START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True, kw_only=True)
class PostgresCluster:
    """Where a cluster of ours lives and who runs it."""

    bindir: Path
    base_dir: Path
    port: int
    superuser: str
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        """PGDATA."""
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        """Unix socket directory, kept here so it never collides with a system cluster's."""
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        """The server's log."""
        return self.base_dir / "postgres.log"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: pg_config's, else Debian's newest, else PATH."""
    candidates: list[Path] = []
    pg_config = find_program("pg_config")
    if pg_config is not None:
        result = subprocess.run(  # noqa: S603
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates.extend(sorted(_DEBIAN_VERSIONS.glob("*/bin"), key=_version_key, reverse=True))
    initdb = find_program("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _usable_by(user: str, path: Path) -> bool:
    result = subprocess.run(  # noqa: S603
        as_user(user, ["test", "-w", str(path), "-a", "-x", str(path)]), check=False
    )
    return result.returncode == 0


def _chown(path: Path, user: str) -> None:
    shutil.chown(path, user=user, group=user)
    for child in path.rglob("*"):
        shutil.chown(child, user=user, group=user)


def _base_dir_for(user: str, state_dir: Path) -> Path:
    """The state dir if `user` can reach it, else a stable directory under /var/tmp.

    A checkout under /root (mode 700) is out of reach of the postgres user.
    """
    preferred = state_dir / "pg"
    preferred.mkdir(parents=True, exist_ok=True)
    _chown(preferred, user)
    if _usable_by(user, preferred):
        return preferred
    if not any(preferred.iterdir()):
        preferred.rmdir()
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:12]
    fallback = Path("/var/tmp") / f"switchboard-pg-{digest}"  # noqa: S108 (stable per checkout)
    fallback.mkdir(mode=0o700, exist_ok=True)
    _chown(fallback, user)
    say(f"postgres: {state_dir} is not reachable by the {user} user; using {fallback}")
    return fallback


def prepare_cluster(
    *, bindir: Path, endpoint: Endpoint, superuser: str, state_dir: Path
) -> PostgresCluster:
    """Lay out (and initdb if new) a cluster listening on `endpoint`, with trust auth."""
    if is_root():
        try:
            pwd.getpwnam(_SERVICE_USER)
        except KeyError:
            raise DevstackError(
                f"running as root, Postgres needs an OS user {_SERVICE_USER!r} to own its data "
                "(Debian's postgresql package creates it)"
            ) from None
        run_as: str | None = _SERVICE_USER
        base_dir = _base_dir_for(_SERVICE_USER, state_dir)
    else:
        run_as = None
        base_dir = state_dir / "pg"
        base_dir.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster(
        bindir=bindir, base_dir=base_dir, port=endpoint.port, superuser=superuser, run_as=run_as
    )
    cluster.socket_dir.mkdir(exist_ok=True)
    if run_as is not None:
        _chown(cluster.socket_dir, run_as)
    if not (cluster.data_dir / "PG_VERSION").is_file():
        say(f"postgres: initdb {cluster.data_dir}")
        # trust is fine only because the server listens on loopback alone (see start()).
        run_checked(
            as_user(
                run_as,
                [
                    str(bindir / "initdb"),
                    "--pgdata",
                    str(cluster.data_dir),
                    "--username",
                    superuser,
                    "--auth",
                    "trust",
                    "--encoding",
                    "UTF8",
                    "--no-locale",
                ],
            ),
            what="initdb",
        )
    return cluster


def start(cluster: PostgresCluster) -> None:
    """pg_ctl start, returning once the server accepts connections."""
    # pg_ctl hands these to a shell, hence the quoting.
    options = shlex.join(
        ["-p", str(cluster.port), "-k", str(cluster.socket_dir), "-c", "listen_addresses=127.0.0.1"]
    )
    run_checked(
        as_user(
            cluster.run_as,
            [
                str(cluster.bindir / "pg_ctl"),
                "start",
                "--wait",
                f"--timeout={_START_TIMEOUT_SECONDS}",
                "--pgdata",
                str(cluster.data_dir),
                "--log",
                str(cluster.log_file),
                "-o",
                options,
            ],
        ),
        what="starting postgres",
        log_file=cluster.log_file,
    )


def stop(cluster: PostgresCluster) -> None:
    """pg_ctl stop -m fast: roll back open transactions, no waiting for clients to leave."""
    if not (cluster.data_dir / "postmaster.pid").exists():
        return
    run_checked(
        as_user(
            cluster.run_as,
            [
                str(cluster.bindir / "pg_ctl"),
                "stop",
                "--wait",
                "-m",
                "fast",
                "--pgdata",
                str(cluster.data_dir),
            ],
        ),
        what="stopping postgres",
        log_file=cluster.log_file,
    )
