"""`sbctl new-service`: the skeleton it makes passes lint, types and its own tests, and is routed.

The full run makes a service in a copy of the checkout's manifests and runs ruff, mypy
--strict and pytest on it as `make test` would (about half a minute); its tests use a test
database of their own, dropped afterwards, so the sample schema never meets a real service.
"""

import asyncio
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import yaml

from devstack.cli import main
from devstack.errors import DevstackError
from devstack.manifest import load_services
from devstack.scaffold import (
    NewService,
    create_service,
    default_entity,
    free_port_offset,
    wire_into_workspace,
)
from devstack.services import SERVICES

from .conftest import REPO_ROOT, copy_of_the_manifests

# Not a service anyone will add: its schema and role are made in a throwaway database.
SAMPLE = NewService(name="sample", domain="samples", entity="Sample", port_offset=6)
ADMIN_URL = os.environ.get("SWITCHBOARD_PG_ADMIN_URL") or "postgresql://postgres@127.0.0.1/postgres"


def _python(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and tools)
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def scratch_database() -> Iterator[str]:
    name = f"{os.environ.get('SWITCHBOARD_TEST_DATABASE') or 'switchboard_test'}_scaffold"
    yield name

    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


def test_a_new_service_passes_lint_types_and_its_tests_and_is_deployed_everywhere(
    tmp_path: Path, scratch_database: str
) -> None:
    root = copy_of_the_manifests(tmp_path)
    create_service(root, SAMPLE, install=False)
    folder = root / "services" / "sample"

    _python("-m", "ruff", "check", str(folder), cwd=root)
    _python("-m", "ruff", "format", "--check", str(folder), cwd=root)
    src_dirs = [str(path) for path in REPO_ROOT.glob("*/*/src")] + [str(folder / "src")]
    mypy_path = os.pathsep.join([*src_dirs, str(folder)])
    _python(
        "-m", "mypy", "--cache-dir", str(REPO_ROOT / ".mypy_cache"),
        str(folder / "src"), str(folder / "tests"),
        cwd=root, env={**os.environ, "MYPYPATH": mypy_path},
    )  # fmt: skip
    tests = _python(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests"),
        cwd=root,
        env={
            **os.environ,
            "PYTHONPATH": str(folder / "src"),
            "SWITCHBOARD_TEST_DATABASE": scratch_database,
        },
    )  # fmt: skip
    assert " passed" in tests
    assert "failed" not in tests

    (spec,) = [s for s in load_services(root) if s.name == "sample"]
    assert [route.match for route in spec.routes] == ["Path(`/samples`) || PathPrefix(`/samples/`)"]
    routers = yaml.safe_load((root / "gateway" / "dynamic" / "sample.yml").read_text())["http"]
    assert routers["routers"]["sample"]["middlewares"] == ["strip-identity", "auth-verify"]
    for compose in ("docker-compose.yml", "docker-compose.prod.yml"):
        services = yaml.safe_load((root / compose).read_text())["services"]
        assert services["sample"]["build"]["args"]["SERVICE"] == "sample"
        assert "sample" in services["provision"]["command"]
        assert "sample=http://sample:8000" in services["portal"]["environment"]["PORTAL_SERVICES"]
        assert "SB_SAMPLE_URLS" in services["gateway"]["environment"]
    assert (
        "sample.yaml"
        in yaml.safe_load((root / "k8s" / "kustomization.yaml").read_text())["resources"]
    )
    assert (root / "contracts" / "openapi" / "sample.json").is_file()
    assert (
        "switchboard-sample"
        in tomllib.loads((root / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    )


def test_the_command_makes_a_service_that_uses_redis_and_nats_at_the_free_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of_the_manifests(tmp_path)
    monkeypatch.chdir(root)
    argv = ["new-service", "feed", "--domain", "posts", "--redis", "--nats", "--no-install"]
    assert main(argv) == 0
    assert "services/feed: the feed service, routed at /posts" in capsys.readouterr().out
    config = (root / "services" / "feed" / "src" / "feed" / "config.py").read_text()
    assert "uses_redis: ClassVar[bool] = True" in config
    assert "uses_nats: ClassVar[bool] = True" in config
    assert "class Post(Base):" in (root / "services/feed/src/feed/posts/models.py").read_text()
    (spec,) = [s for s in load_services(root) if s.name == "feed"]
    assert (spec.redis, spec.nats, spec.port_offset) == (True, True, 6)
    ready = (root / "services" / "feed" / "tests" / "test_health.py").read_text()
    assert '"redis": "up"' in ready
    assert '"nats": "up"' in ready


def test_the_new_service_takes_the_lowest_free_port_offset() -> None:
    assert free_port_offset(SERVICES, replicas=1) == 6  # +6 is kept for recipes
    # +6 and +7 are not both free (+7 is the second reviews replica).
    assert free_port_offset(SERVICES, replicas=2) == 8


def test_the_entity_is_the_domain_in_the_singular() -> None:
    assert default_entity("recipes") == "Recipe"
    assert default_entity("book_reviews") == "BookReview"
    assert default_entity("inventory") == "Inventory"
    assert NewService(name="x", domain="x", entity="BookShelf", port_offset=9).snake == (
        "book_shelf"
    )


def test_wiring_adds_the_package_to_every_list_of_the_root_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text((REPO_ROOT / "pyproject.toml").read_text())
    wire_into_workspace(pyproject, "recipes")
    wired = tomllib.loads(pyproject.read_text())
    assert wired["tool"]["uv"]["sources"]["switchboard-recipes"] == {"workspace": True}
    assert "switchboard-recipes" in wired["dependency-groups"]["dev"]
    assert "recipes" in wired["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    assert "services/*" in wired["tool"]["uv"]["workspace"]["members"]
    before = pyproject.read_text()
    wire_into_workspace(pyproject, "recipes")
    assert pyproject.read_text() == before, "wiring twice changes nothing"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (NewService(name="Recipes", domain="r", entity="R", port_offset=9), "one lowercase word"),
        (NewService(name="chat", domain="talks", entity="Talk", port_offset=9), "exists already"),
        (NewService(name="food", domain="rooms", entity="Room", port_offset=9), "routed to chat"),
        (NewService(name="food", domain="My-Food", entity="F", port_offset=9), "Python name"),
    ],
)
def test_a_service_that_cannot_be_made_is_refused_before_anything_is_written(
    tmp_path: Path, new: NewService, message: str
) -> None:
    root = copy_of_the_manifests(tmp_path)
    before = sorted(path.relative_to(root) for path in root.rglob("*"))
    with pytest.raises(DevstackError, match=message):
        create_service(root, new, install=False)
    assert sorted(path.relative_to(root) for path in root.rglob("*")) == before
