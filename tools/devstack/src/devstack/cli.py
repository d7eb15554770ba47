"""`sbctl`: run the Switchboard suite locally (`up`), run a command beside its infra (`infra`),
write the deployment files from the service manifests (`generate`), or create a service
(`new-service`)."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from devstack.config import StackConfig
from devstack.console import warn
from devstack.errors import DevstackError
from devstack.generate import run_generate
from devstack.scaffold import add_new_service_arguments, run_new_service
from devstack.signals import Terminated, raise_on_termination
from devstack.up import run_up
from devstack.wrap import run_with_infra

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sbctl",
        description=__doc__,
        epilog="Settings come from the environment; see docs/local-run.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start infra, services, portal and gateway; Ctrl-C stops all")
    infra = commands.add_parser(
        "infra", help="ensure Postgres, Redis and NATS, run COMMAND, stop what was started"
    )
    infra.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARG...]")
    generate = commands.add_parser(
        "generate", help="write gateway routes, compose files and k8s/ from the service manifests"
    )
    generate.add_argument(
        "--check", action="store_true", help="write nothing; fail if a file is out of date"
    )
    add_new_service_arguments(
        commands.add_parser(
            "new-service", help="create services/NAME: a routed service skeleton, wired in"
        )
    )
    return parser


# Commands on the checkout's files rather than on a running suite.
_TOOLS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "generate": lambda args, root: run_generate(root, check=args.check),
    "new-service": lambda args, root: run_new_service(root, args),
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    raise_on_termination()
    try:
        config = StackConfig.from_env(cwd=Path.cwd())
        if args.command in _TOOLS:
            return _TOOLS[args.command](args, config.root)
        if args.command == "up":
            return run_up(config)
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return run_with_infra(config, command)
    except (DevstackError, ValueError) as exc:
        warn(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        warn("interrupted")
        return 130
    except Terminated:
        warn("terminated")
        return 143


if __name__ == "__main__":
    sys.exit(main())
