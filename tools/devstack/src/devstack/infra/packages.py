"""Installing Postgres and Redis from Debian's packages when the machine has neither."""

from pathlib import Path

from devstack.commands import find_program, is_root, run_checked
from devstack.console import say
from devstack.errors import DevstackError

__all__ = ["install"]

# Debian's postgresql package otherwise creates and starts a "main" cluster on 5432, whose
# password auth on TCP would then stand where the runner wants its own trust-auth cluster.
# Debian 12's createcluster.conf includes this directory.
_NO_MAIN_CLUSTER = Path("/etc/postgresql-common/createcluster.d/switchboard-no-main-cluster.conf")


def _privilege_prefix() -> list[str] | None:
    """What to put before a command that needs root: nothing, sudo, or None if impossible."""
    if is_root():
        return []
    sudo = find_program("sudo")
    return None if sudo is None else [sudo]


def install(packages: list[str]) -> None:
    """One `apt-get update && apt-get install` for everything missing."""
    apt = find_program("apt-get")
    prefix = _privilege_prefix()
    if apt is None or prefix is None:
        raise DevstackError(
            f"{', '.join(packages)} not installed, and this machine cannot install them "
            "(needs apt-get, and root or sudo); install them or point the URLs at running servers"
        )
    apt_argv = [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", apt]
    installs_postgres = "postgresql" in packages
    if installs_postgres:
        run_checked(
            [*prefix, "install", "-D", "-m", "0644", "/dev/stdin", str(_NO_MAIN_CLUSTER)],
            what=f"writing {_NO_MAIN_CLUSTER}",
            stdin_text="create_main_cluster = false\n",
        )
    try:
        say(f"installing {' '.join(packages)} with apt-get")
        run_checked([*apt_argv, "update"], what="apt-get update")
        run_checked(
            [*apt_argv, "install", "-y", "--no-install-recommends", *packages],
            what="apt-get install",
        )
    finally:
        # Only this install should skip the main cluster, not the machine's later ones.
        if installs_postgres:
            run_checked([*prefix, "rm", "-f", str(_NO_MAIN_CLUSTER)], what="clean-up")
