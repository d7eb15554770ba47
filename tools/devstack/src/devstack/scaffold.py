"""`sbctl new-service NAME`: a working, routed service skeleton, wired into the workspace.

It writes `services/NAME/` (package, settings, one example domain, a first migration, tests,
README, `service.toml`), adds the package to the root pyproject.toml (workspace sources, the
dev group, isort's first-party list), writes its OpenAPI contract, formats what it wrote with
the project's ruff, regenerates the deployment files (`sbctl generate`) and, unless told not
to, locks and installs the workspace so `make up` runs the new service at once.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from devstack.errors import DevstackError
from devstack.generate import run_generate
from devstack.manifest import PORTAL_MANIFEST, ServiceSpec, load_manifest, load_services

__all__ = [
    "NewService",
    "add_new_service_arguments",
    "create_service",
    "default_entity",
    "free_port_offset",
    "run_new_service",
    "wire_into_workspace",
]

_WORD = re.compile(r"[a-z][a-z0-9]*")
_DOMAIN = re.compile(r"[a-z][a-z0-9_]*")
_ENTITY = re.compile(r"[A-Z][A-Za-z0-9]*")

# template -> path under services/NAME ({domain} is the example domain's package).
_FILES = {
    "service.toml.j2": "service.toml",
    "pyproject.toml.j2": "pyproject.toml",
    "alembic.ini.j2": "alembic.ini",
    "README.md.j2": "README.md",
    "init.py.j2": "src/{name}/__init__.py",
    "main.py.j2": "src/{name}/main.py",
    "config.py.j2": "src/{name}/config.py",
    "cli.py.j2": "src/{name}/cli.py",
    "models.py.j2": "src/{name}/models.py",
    "env.py.j2": "src/{name}/migrations/env.py",
    "revision.py.j2": "src/{name}/migrations/versions/0001_{domain}.py",
    "domain_init.py.j2": "src/{name}/{domain}/__init__.py",
    "domain_models.py.j2": "src/{name}/{domain}/models.py",
    "domain_schemas.py.j2": "src/{name}/{domain}/schemas.py",
    "domain_exceptions.py.j2": "src/{name}/{domain}/exceptions.py",
    "domain_service.py.j2": "src/{name}/{domain}/service.py",
    "domain_dependencies.py.j2": "src/{name}/{domain}/dependencies.py",
    "domain_router.py.j2": "src/{name}/{domain}/router.py",
    "tests_init.py.j2": "tests/__init__.py",
    "conftest.py.j2": "tests/conftest.py",
    "test_health.py.j2": "tests/test_health.py",
    "test_contracts.py.j2": "tests/test_contracts.py",
    "test_domain.py.j2": "tests/test_{domain}.py",
}
# Copied as they are: Alembic's own template (it is Mako, not Jinja).
_VERBATIM = {"script.py.mako": "src/{name}/migrations/script.py.mako"}


@dataclass(frozen=True, kw_only=True)
class NewService:
    """What the skeleton is made of."""

    name: str
    domain: str
    """The example domain's package, table and path (`/<domain>`)."""
    entity: str
    """Its row's class name."""
    port_offset: int
    replicas: int = 1
    redis: bool = False
    nats: bool = False

    @property
    def prefix(self) -> str:
        return self.name.upper()

    @property
    def snake(self) -> str:
        """The entity as a Python name: `BookShelf` -> `book_shelf`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.entity).lower()

    def validate(self) -> None:
        if not _WORD.fullmatch(self.name):
            raise DevstackError(f"service name {self.name!r} must be one lowercase word (a-z, 0-9)")
        if not _DOMAIN.fullmatch(self.domain):
            raise DevstackError(f"domain {self.domain!r} must be a lowercase Python name")
        if not _ENTITY.fullmatch(self.entity):
            raise DevstackError(f"entity {self.entity!r} must be a class name, e.g. Recipe")
        if self.replicas < 1:
            raise DevstackError("replicas must be at least 1")


def default_entity(domain: str) -> str:
    """`recipes` -> `Recipe`, `book_shelves` -> `BookShelve` (rename it if English disagrees)."""
    singular = domain[:-1] if domain.endswith("s") and len(domain) > 1 else domain
    return "".join(part.capitalize() for part in singular.split("_"))


def free_port_offset(taken: Sequence[ServiceSpec], *, replicas: int) -> int:
    """The lowest offset with `replicas` free consecutive ports (the portal holds 0)."""
    used = {0}
    for spec in taken:
        extra = list(spec.more_port_offsets) or list(
            range(spec.port_offset + 1, spec.port_offset + spec.replicas)
        )
        used.update([spec.port_offset, *extra])
    offset = 1
    while any(offset + i in used for i in range(replicas)):
        offset += 1
    return offset


def _render_tree(root: Path, new: NewService) -> list[Path]:
    environment = jinja2.Environment(  # noqa: S701 (Python and TOML, not HTML)
        loader=jinja2.PackageLoader("devstack", "templates/service"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    checks = ['"database": "up"']
    checks += ['"redis": "up"'] if new.redis else []
    checks += ['"nats": "up"'] if new.nats else []
    values = {
        "name": new.name,
        "domain": new.domain,
        "entity": new.entity,
        "entity_words": new.snake.replace("_", " "),
        "snake": new.snake,
        "prefix": new.prefix,
        "port_offset": new.port_offset,
        "replicas": new.replicas,
        "redis": new.redis,
        "nats": new.nats,
        "checks": ", ".join(checks),
        "today": datetime.date.today().isoformat(),
    }
    folder = root / "services" / new.name
    written = []
    for template, relative in _FILES.items():
        target = folder / relative.format(name=new.name, domain=new.domain)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(environment.get_template(template).render(values), encoding="utf-8")
        written.append(target)
    for template, relative in _VERBATIM.items():
        target = folder / relative.format(name=new.name, domain=new.domain)
        source = jinja2.PackageLoader("devstack", "templates/service").get_source(
            environment, template
        )[0]
        target.write_text(source, encoding="utf-8")
        written.append(target)
    (folder / "src" / new.name / "py.typed").touch()
    return written


def _insert_after_last(text: str, pattern: str, line: str, *, where: str) -> str:
    """`line` after the last line matching `pattern` (the lists are kept one entry a line)."""
    matches = list(re.finditer(pattern, text, re.MULTILINE))
    if not matches:
        raise DevstackError(f"pyproject.toml: cannot find {where} to add the new service to")
    end = matches[-1].end()
    return f"{text[:end]}\n{line}{text[end:]}"


def wire_into_workspace(pyproject: Path, name: str) -> None:
    """Add `switchboard-<name>` to the root pyproject.toml wherever the services are listed."""
    text = pyproject.read_text(encoding="utf-8")
    package = f"switchboard-{name}"
    data = tomllib.loads(text)
    members = data["tool"]["uv"]["workspace"]["members"]
    if "services/*" not in members and f"services/{name}" not in members:
        # Listed one by one rather than by the usual glob: add it to the front.
        text = text.replace("members = [", f'members = ["services/{name}", ', 1)
    if package not in data["tool"]["uv"].get("sources", {}):
        text = _insert_after_last(
            text,
            r"^switchboard-[a-z0-9]+ = \{ workspace = true \}$",
            f"{package} = {{ workspace = true }}",
            where="[tool.uv.sources]",
        )
    if package not in data.get("dependency-groups", {}).get("dev", []):
        text = _insert_after_last(
            text, r'^    "switchboard-[a-z0-9]+",$', f'    "{package}",', where="the dev group"
        )
    isort = data["tool"]["ruff"]["lint"]["isort"]
    if name not in isort["known-first-party"]:
        text = re.sub(
            r"^(known-first-party = \[.*?)\]$",
            lambda m: f'{m.group(1)}, "{name}"]',
            text,
            count=1,
            flags=re.MULTILINE,
        )
    wired = tomllib.loads(text)  # still TOML, and every list names the service
    assert package in wired["tool"]["uv"]["sources"]
    assert package in wired["dependency-groups"]["dev"]
    assert name in wired["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    pyproject.write_text(text, encoding="utf-8")


def _run(argv: Sequence[str], *, cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(  # noqa: S603 (argv built here, never a shell line)
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise DevstackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{output}")


def _write_contract(root: Path, new: NewService) -> Path:
    contract = root / "contracts" / "openapi" / f"{new.name}.json"
    src = root / "services" / new.name / "src"
    # The package is not installed yet: import it from its folder.
    path = os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    _run(
        [sys.executable, "-m", "switchkit.contracts", f"{new.name}.main:create_app", str(contract)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": path},
        what="writing the OpenAPI contract",
    )
    return contract


def _format(root: Path, folder: Path) -> None:
    """The project's ruff over what was written (import order depends on the name)."""
    ruff = [sys.executable, "-m", "ruff"]
    _run(
        [*ruff, "check", "--fix", "--select", "I,RUF022", "-q", str(folder)], cwd=root, what="ruff"
    )
    _run([*ruff, "format", "-q", str(folder)], cwd=root, what="ruff format")


def _install(root: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        raise DevstackError("uv not found: run `uv lock && uv sync --all-packages` yourself")
    _run([uv, "lock"], cwd=root, what="uv lock")
    _run([uv, "sync", "--all-packages", "--frozen", "--quiet"], cwd=root, what="uv sync")


def create_service(root: Path, new: NewService, *, install: bool = True) -> list[Path]:
    """Make the service in the checkout at `root`; the files written."""
    new.validate()
    services = load_services(root)
    folder = root / "services" / new.name
    if folder.exists():
        raise DevstackError(f"{folder} exists already")
    taken = [*services, load_manifest(root / PORTAL_MANIFEST, root=root)]
    paths = (f"`/{new.domain}`", f"`/{new.domain}/`")
    clash = [
        spec.name
        for spec in taken
        if any(path in route.rule for route in spec.routes for path in paths)
    ]
    if clash:
        raise DevstackError(f"/{new.domain} is routed to {', '.join(clash)} already")
    written = _render_tree(root, new)
    wire_into_workspace(root / "pyproject.toml", new.name)
    written.append(_write_contract(root, new))
    _format(root, folder)
    if run_generate(root, check=False) != 0:
        raise DevstackError("sbctl generate failed")
    if install:
        _install(root)
    return written


def add_new_service_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `sbctl new-service`."""
    parser.add_argument("name", help="one lowercase word: package, schema, route and image name")
    parser.add_argument("--domain", help="the example domain's package and path (default: NAME)")
    parser.add_argument("--entity", help="its row's class name (default: DOMAIN, singular)")
    parser.add_argument("--port-offset", type=int, help="default: the lowest free one")
    parser.add_argument("--replicas", type=int, default=1, help="under `make up` (default 1)")
    parser.add_argument("--redis", action="store_true", help="it uses Redis")
    parser.add_argument("--nats", action="store_true", help="it uses NATS")
    parser.add_argument(
        "--no-install", action="store_true", help="skip `uv lock` and `uv sync` afterwards"
    )


def run_new_service(root: Path, args: argparse.Namespace) -> int:
    """`sbctl new-service`: make it and say what to do next."""
    name: str = args.name
    domain: str = args.domain or name
    replicas: int = args.replicas
    new = NewService(
        name=name,
        domain=domain,
        entity=args.entity or default_entity(domain),
        port_offset=(
            args.port_offset
            if args.port_offset is not None
            else free_port_offset(load_services(root), replicas=replicas)
        ),
        replicas=replicas,
        redis=args.redis,
        nats=args.nats,
    )
    create_service(root, new, install=not args.no_install)
    port = f"SERVICE_PORT_BASE+{new.port_offset}"
    print(
        f"""services/{name}: the {name} service, routed at /{domain}, port {port}.
  next: uv run pytest services/{name}/tests   (beside Postgres; `make test` runs everything)
        make up                                then GET /{domain} through the gateway, with a token
        after each change to services/{name}/service.toml: uv run sbctl generate
  commit: services/{name}, contracts/openapi/{name}.json, pyproject.toml, uv.lock and what
        sbctl generate wrote (gateway/dynamic/, k8s/, both compose files)."""
    )
    return 0
