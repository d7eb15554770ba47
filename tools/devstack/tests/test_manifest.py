"""The service manifests (`service.toml`): how they are read, and that they tell the truth."""

import importlib
from pathlib import Path

import pytest

from devstack.manifest import Route, load_manifest, load_services
from devstack.processes import PORTAL_APP
from devstack.services import PORTAL, SERVICES, ServiceSpec

MINIMAL = """
name = "catalog"
app = "catalog.main:create_app"
env_prefix = "CATALOG"
port_offset = 8
"""


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "services" / name / "service.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_each_manifest_says_what_its_settings_class_uses(spec: ServiceSpec) -> None:
    settings = importlib.import_module(f"{spec.name}.config").Settings
    assert settings.service_name == spec.name
    assert settings.model_config["env_prefix"] == f"{spec.env_prefix}_"
    assert (settings.uses_redis, settings.uses_nats) == (spec.redis, spec.nats)
    assert settings.uses_jwks == spec.verifies_tokens
    assert spec.app == f"{spec.name}.main:create_app"


def test_the_services_come_in_port_order_from_their_folders() -> None:
    assert [s.name for s in SERVICES] == ["auth", "inventory", "reviews", "chat"]
    assert [s.folder for s in SERVICES] == [f"services/{s.name}" for s in SERVICES]


def test_the_portal_is_declared_in_its_folder_and_runs_the_runners_app() -> None:
    assert PORTAL.folder == "gateway/portal"
    assert PORTAL.app == PORTAL_APP
    assert PORTAL.port_offset == 0
    assert not PORTAL.postgres
    assert [r.public for r in PORTAL.routes] == [True]


def test_a_minimal_manifest_gets_the_documented_defaults(tmp_path: Path) -> None:
    spec = load_manifest(_write(tmp_path, "catalog", MINIMAL), root=tmp_path)
    assert spec == ServiceSpec(
        name="catalog", app="catalog.main:create_app", env_prefix="CATALOG", port_offset=8
    )
    assert (spec.replicas, spec.deploy.replicas) == (1, 2)
    assert spec.postgres
    assert spec.verifies_tokens
    assert [spec.redis, spec.nats, spec.signs_tokens, spec.calls_auth, spec.seeds] == [False] * 5
    assert spec.folder == "services/catalog"
    assert spec.package == "switchboard-catalog"


def test_a_route_is_protected_unless_public_and_strips_identity_first() -> None:
    protected = Route(name="a", rule="Path(`/a`)", middlewares=("x",))
    public = Route(name="b", rule="Path(`/b`)", public=True, middlewares=("y",))
    assert protected.chain == ["strip-identity", "auth-verify", "x"]
    assert public.chain == ["strip-identity", "y"]


def test_a_rule_written_on_several_lines_is_one_rule_to_traefik() -> None:
    route = Route(name="a", rule="\n  Path(`/a`)   || Path(`/b`)\n|| Path(`/c`)\n")
    assert route.rule_lines == ["Path(`/a`) || Path(`/b`)", "|| Path(`/c`)"]
    assert route.match == "Path(`/a`) || Path(`/b`) || Path(`/c`)"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("colour = 'blue'\n", "unknown key"),
        ("[uses]\nredis = 'yes'\n", "`redis` must be a bool"),
        ("[uses]\ncache = true\n", r"\[uses\]: unknown key\(s\) cache"),
        ("replicas = 0\n", "replicas must be at least 1"),
        ("[[routes]]\nname = 'x'\n", "`rule` is required"),
    ],
)
def test_a_manifest_with_a_mistake_is_refused_with_where_it_is(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = _write(tmp_path, "catalog", MINIMAL + extra)
    with pytest.raises(ValueError, match=message) as caught:
        load_manifest(path, root=tmp_path)
    assert str(path) in str(caught.value)


def test_a_port_offset_must_be_a_number_not_a_flag(tmp_path: Path) -> None:
    path = _write(tmp_path, "catalog", MINIMAL.replace("port_offset = 8", "port_offset = true"))
    with pytest.raises(ValueError, match="`port_offset` must be a int"):
        load_manifest(path)


@pytest.mark.parametrize("name", ["Catalog", "cat-alog", "cat_alog", "9lives"])
def test_a_name_is_one_lowercase_word(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, "catalog", MINIMAL.replace('"catalog"', f'"{name}"', 1))
    with pytest.raises(ValueError, match="one lowercase word"):
        load_manifest(path)


def test_a_manifest_must_sit_in_the_folder_of_its_name(tmp_path: Path) -> None:
    _write(tmp_path, "shop", MINIMAL)
    with pytest.raises(ValueError, match="must be its folder's, shop"):
        load_services(tmp_path)


def test_a_service_without_postgres_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "catalog", MINIMAL + "[uses]\npostgres = false\n")
    with pytest.raises(ValueError, match=r"uses\.postgres = true"):
        load_services(tmp_path)
