"""Fixtures: runner settings as `sbctl` would read them from a default environment."""

from pathlib import Path

import pytest

from devstack.config import StackConfig

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config() -> StackConfig:
    """The defaults, in this checkout."""
    return StackConfig.from_env({}, cwd=REPO_ROOT)


def copy_of_the_manifests(root: Path) -> Path:
    """Under `root`, what `sbctl generate` and `new-service` read: a checkout's root
    pyproject.toml, the gateway's static config and middlewares, every manifest."""
    sources = [
        REPO_ROOT / "pyproject.toml",
        REPO_ROOT / "gateway" / "traefik.yml",
        REPO_ROOT / "gateway" / "dynamic" / "middlewares.yml",
        REPO_ROOT / "gateway" / "portal" / "service.toml",
        REPO_ROOT / "k8s" / "namespace.yaml",
        *REPO_ROOT.glob("services/*/service.toml"),
    ]
    for source in sources:
        target = root / source.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    return root
