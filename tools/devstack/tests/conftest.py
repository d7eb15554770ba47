"""Fixtures: runner settings as `sbctl` would read them from a default environment."""

from pathlib import Path

import pytest

from devstack.config import StackConfig

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config() -> StackConfig:
    """The defaults, in this checkout."""
    return StackConfig.from_env({}, cwd=REPO_ROOT)
