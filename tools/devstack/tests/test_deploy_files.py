"""Static checks of the container and Kubernetes deployment files; no Docker engine needed.

Nothing else runs docker-compose.yml, docker-compose.prod.yml, the Dockerfile or k8s/ here.
Most of them are generated from the service manifests (test_generate.py keeps them current);
these tests check that what is generated deploys what it should: each service's settings,
the gateway configuration, the image and the entrypoint's behaviour.
"""

import importlib
import importlib.util
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from devstack.services import PORTAL, SERVICES, ServiceSpec
from portal.config import parse_services

from .conftest import REPO_ROOT

DEV = "docker-compose.yml"
PROD = "docker-compose.prod.yml"
COMPOSE_FILES = [DEV, PROD]
K8S = REPO_ROOT / "k8s"
SERVICE_PORT = 8000
# Every image the compose files and k8s/ run, all built from the one Dockerfile.
IMAGES = [*SERVICES, PORTAL]
DOCKERFILE = "deploy/service.Dockerfile"
# Read by deploy/service-entrypoint.sh, not by the settings.
ENTRYPOINT_VARIABLES = {"MIGRATE_ON_START", "FORWARDED_ALLOW_IPS"}
_TEMPLATE = re.compile(r'\{\{\s*env\s+"([A-Z0-9_]+)"\s*\}\}')
# Any variable a template reads, `{{ env "X" }}` or inside an action such as the replica lists'
# `{{ range $url := splitList "," (env "X") }}`.
_TEMPLATE_READS = re.compile(r'\{\{[^}]*?\benv\s+"([A-Z0-9_]+)"')
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")
_SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY")


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _compose(name: str) -> dict[str, Any]:
    services: dict[str, Any] = _yaml(REPO_ROOT / name)["services"]
    return services


def _env(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment; None for a variable passed through from the host."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        pairs = [item.partition("=") for item in raw]
        return {key: value if sep else None for key, sep, value in pairs}
    return {key: None if value is None else str(value) for key, value in raw.items()}


def _interpolate(text: str) -> str:
    """Fill `${VAR:-default}` with its default and a required `${VAR:?...}` with `<VAR>`."""

    def fill(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if operator in {":-", "-"}:
            return argument
        return f"<{name}>"

    return _VARIABLE.sub(fill, text)


def _image_repository(image: str) -> str:
    """`switchboard/auth` from `switchboard/auth:dev` or `${REGISTRY:-switchboard}/auth:${TAG}`."""
    name = _interpolate(image)
    head, _, tag = name.rpartition(":")
    return head if head and "/" not in tag else name


def _settings_module(spec: ServiceSpec) -> ModuleType:
    return importlib.import_module(f"{spec.name}.config")


def _settings_variables(spec: ServiceSpec) -> set[str]:
    """Every environment variable the service's settings class reads."""
    settings = _settings_module(spec).Settings
    prefix = settings.model_config.get("env_prefix", "")
    assert prefix == f"{spec.env_prefix}_", "the runner and the settings agree on the prefix"
    names = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


def _required_variables(spec: ServiceSpec) -> set[str]:
    """What a container of the service must be given (the rest have working defaults)."""
    names = {"ENVIRONMENT", "DATABASE_URL"}
    settings = _settings_module(spec).Settings
    if settings.uses_redis:
        names.add("REDIS_URL")
    if settings.uses_nats:
        names.add("NATS_URL")
    if spec.verifies_tokens:
        names.add("JWKS_URL")
    if spec.signs_tokens:
        names.add("JWT_PRIVATE_KEY_FILE")
    return {f"{spec.env_prefix}_{name}" for name in names}


def _dockerfile() -> str:
    return (REPO_ROOT / DOCKERFILE).read_text()


def _dockerfile_value(variable: str) -> str:
    """What the final stage's ENV sets `variable` to (an indented continuation line)."""
    match = re.search(rf"^\s+{variable}=(\S+)", _dockerfile(), re.MULTILINE)
    assert match, f"{DOCKERFILE} sets {variable}"
    return match.group(1)


def _build_args(spec: ServiceSpec) -> dict[str, str]:
    """The build arguments docker-compose.yml builds the service's image with."""
    args: dict[str, str] = _compose(DEV)[spec.name]["build"]["args"]
    return args


def _substitute(text: str, args: dict[str, str]) -> str:
    """`${NAME}` as the Dockerfile's build arguments fill it."""
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: args[m.group(1)], text)


def _traefik_static() -> dict[str, Any]:
    static: dict[str, Any] = _yaml(REPO_ROOT / "gateway" / "traefik.yml")
    return static


def _dynamic() -> dict[str, dict[str, Any]]:
    """gateway/dynamic/*.yml merged, templates left as they are."""
    merged: dict[str, dict[str, Any]] = {"routers": {}, "middlewares": {}, "services": {}}
    for path in sorted((REPO_ROOT / "gateway" / "dynamic").glob("*.yml")):
        http = (_yaml(path) or {}).get("http", {})
        for kind, entries in merged.items():
            entries.update(http.get(kind, {}))
    return merged


def _cluster_url(variable: str, namespace: str) -> str:
    """The in-cluster URL of the Service that `SB_<NAME>_URL` names."""
    name = variable.removeprefix("SB_").removesuffix("_URL").lower().replace("_", "-")
    return f"http://{name}.{namespace}.svc.cluster.local:{SERVICE_PORT}"


def _k8s_resources() -> list[dict[str, Any]]:
    """Every object kustomization.yaml applies."""
    kustomization = _yaml(K8S / "kustomization.yaml")
    return [doc for name in kustomization["resources"] for doc in _documents(K8S / name)]


def _k8s(kind: str, name: str) -> dict[str, Any]:
    for doc in _k8s_resources():
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"k8s/ has no {kind} {name}")


# --- images ---------------------------------------------------------------------------------


def test_the_image_is_built_from_the_lock_and_runs_unprivileged() -> None:
    text = _dockerfile()
    assert re.findall(r"^FROM (python:\S+)", text, re.MULTILINE) == ["python:3.11-slim"] * 2
    package = r"--package switchboard-\$\{SERVICE\}"
    assert re.search(rf"uv sync --frozen --no-dev --no-editable {package}$", text, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user, "the final stage names its user"
    assert user[-1].split(":")[0] not in {"0", "root"}
    assert re.search(rf"^EXPOSE {SERVICE_PORT}$", text, re.MULTILINE)
    assert _dockerfile_value("SERVICE_NAME") == "${SERVICE}"
    assert _dockerfile_value("SERVICE_APP") == "${SERVICE_APP}"
    assert 'ENTRYPOINT ["service-entrypoint"]' in text


def test_the_per_service_dockerfiles_are_gone() -> None:
    """One Dockerfile for every image: a copy per service would drift from it."""
    assert not list(REPO_ROOT.glob("services/*/Dockerfile"))
    assert not (REPO_ROOT / "gateway" / "portal" / "Dockerfile").exists()


@pytest.mark.parametrize("spec", IMAGES, ids=lambda s: s.name)
def test_each_image_is_built_with_its_manifests_arguments(spec: ServiceSpec) -> None:
    args = _build_args(spec)
    assert args["SERVICE"] == spec.name
    assert args["SERVICE_APP"] == spec.app
    assert args["SERVICE_DIR"] == spec.folder
    assert "KEY_DIR" in args if spec.signs_tokens else "KEY_DIR" not in args
    assert args.get("MIGRATE_ON_START", "1") == ("1" if spec.postgres else "0")
    project = tomllib.loads((REPO_ROOT / spec.folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"switchboard-{spec.name}", "the package the Dockerfile installs"


@pytest.mark.parametrize("spec", IMAGES, ids=lambda s: s.name)
def test_the_dockerfile_copies_files_that_exist_for_each_image(spec: ServiceSpec) -> None:
    """Build context is the repository root: each COPY source must be there."""
    args = {"SERVICE_DIR": f"services/{spec.name}", **_build_args(spec)}
    for line in re.findall(r"^COPY (?!--from)(.+)$", _dockerfile(), re.MULTILINE):
        *sources, _target = [part for part in line.split() if not part.startswith("--")]
        for source in sources:
            path = _substitute(source, args)
            assert (REPO_ROOT / path).exists(), f"{DOCKERFILE} for {spec.name}: COPY {path}"


def test_a_service_that_signs_tokens_gets_its_key_folder_in_the_image() -> None:
    assert 'install -d -o 10001 -g 10001 -m 0700 "$KEY_DIR"' in _dockerfile()
    for spec in (s for s in SERVICES if s.signs_tokens):
        key_file = _env(_compose(DEV)[spec.name])[f"{spec.env_prefix}_JWT_PRIVATE_KEY_FILE"]
        assert key_file is not None
        assert str(Path(key_file).parent) == _build_args(spec)["KEY_DIR"]


def test_build_context_leaves_out_local_state_and_secrets() -> None:
    ignored = set((REPO_ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".run", "**/node_modules", "**/*.pem"} <= ignored


# --- the entrypoint -------------------------------------------------------------------------


def _fake_programs(tmp_path: Path) -> dict[str, str]:
    """`switchboard-auth` and `uvicorn` stand-ins that log their arguments."""
    log = tmp_path / "calls.log"
    for program in ("switchboard-auth", "uvicorn"):
        script = tmp_path / program
        script.write_text(f'#!/bin/sh\necho "{program} $*" >> {log}\n')
        script.chmod(0o755)
    return {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "SERVICE_NAME": "auth",
        "SERVICE_APP": "auth.main:create_app",
    }


def _entrypoint(tmp_path: Path, *args: str, **env: str) -> list[str]:
    entrypoint = REPO_ROOT / "deploy" / "service-entrypoint.sh"
    env = {**_fake_programs(tmp_path), **env}
    subprocess.run([str(entrypoint), *args], env=env, check=True)  # noqa: S603 (our own script)
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_entrypoint_is_executable() -> None:
    mode = (REPO_ROOT / "deploy" / "service-entrypoint.sh").stat().st_mode
    assert mode & stat.S_IXUSR


def test_entrypoint_migrates_then_serves_behind_the_gateway(tmp_path: Path) -> None:
    calls = _entrypoint(tmp_path)
    assert calls == [
        "switchboard-auth migrate",
        "uvicorn auth.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers "
        "--forwarded-allow-ips=* --no-access-log",
    ]


def test_entrypoint_can_leave_migrations_to_a_single_step(tmp_path: Path) -> None:
    calls = _entrypoint(tmp_path, "serve", MIGRATE_ON_START="0", FORWARDED_ALLOW_IPS="10.0.0.1")
    assert len(calls) == 1
    assert calls[0].startswith("uvicorn auth.main:create_app")
    assert "--forwarded-allow-ips=10.0.0.1" in calls[0]


def test_entrypoint_runs_any_other_command_as_it_is(tmp_path: Path) -> None:
    assert _entrypoint(tmp_path, "switchboard-auth", "keygen", "/keys/k.pem") == [
        "switchboard-auth keygen /keys/k.pem"
    ]


# --- provisioning ---------------------------------------------------------------------------


def _provision_module() -> ModuleType:
    path = REPO_ROOT / "deploy" / "provision.py"
    spec = importlib.util.spec_from_file_location("deploy_provision", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_provisioning_takes_role_password_and_database_from_the_service_url() -> None:
    provision = _provision_module()
    url = "postgresql+asyncpg://auth:p%40ss@postgres:5432/switchboard"
    target = provision.target_of("auth", {"AUTH_DATABASE_URL": url})
    assert (target.role, target.password, target.database) == ("auth", "p@ss", "switchboard")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://someone:pw@postgres:5432/switchboard",  # not the service's role
        "postgresql+asyncpg://auth@postgres:5432/switchboard",  # no password
        "postgresql+asyncpg://auth:pw@postgres:5432/",  # no database
    ],
)
def test_provisioning_refuses_a_url_it_cannot_honour(url: str) -> None:
    with pytest.raises(SystemExit):
        _provision_module().target_of("auth", {"AUTH_DATABASE_URL": url})


# --- compose --------------------------------------------------------------------------------


@pytest.mark.parametrize("compose", COMPOSE_FILES)
@pytest.mark.parametrize("spec", IMAGES, ids=lambda s: s.name)
def test_every_image_has_a_compose_service_built_from_the_dockerfile(
    compose: str, spec: ServiceSpec
) -> None:
    service = _compose(compose).get(spec.name)
    assert service is not None, f"{compose} has no service {spec.name}"
    assert service["build"] == {"context": ".", "dockerfile": DOCKERFILE, "args": _build_args(spec)}
    assert _image_repository(service["image"]) == f"switchboard/{spec.name}"
    # Every container of the image builds it the same way.
    for other in _compose(compose).values():
        if other.get("image") == service["image"]:
            assert other["build"] == service["build"]


@pytest.mark.parametrize("compose", COMPOSE_FILES)
@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_compose_env_names_are_settings_fields(compose: str, spec: ServiceSpec) -> None:
    known = _settings_variables(spec) | ENTRYPOINT_VARIABLES
    services = _compose(compose)
    env = _env(services[spec.name])
    assert _required_variables(spec) <= set(env)
    assert set(env) <= known, f"not read by {spec.name}: {set(env) - known}"
    expected = "dev" if compose == DEV else "prod"
    assert env[f"{spec.env_prefix}_ENVIRONMENT"] == expected
    # The one-shots run from the same image: their settings must be real ones too.
    for other in services.values():
        if other is not services[spec.name] and other.get("image") == services[spec.name]["image"]:
            prefixed = {k for k in _env(other) if k.startswith(f"{spec.env_prefix}_")}
            assert prefixed <= known


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_provisioning_uses_the_database_url_the_service_uses(compose: str) -> None:
    services = _compose(compose)
    for spec in SERVICES:
        variable = f"{spec.env_prefix}_DATABASE_URL"
        assert _env(services["provision"])[variable] == _env(services[spec.name])[variable]
        assert spec.name in services["provision"]["command"]


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_first_admin_is_passed_through_from_the_host(compose: str) -> None:
    env = _env(_compose(compose)["auth"])
    assert env["SWITCHBOARD_ADMIN_USERNAME"] is None
    assert env["SWITCHBOARD_ADMIN_PASSWORD"] is None


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_gateway_runs_the_repository_gateway_config(compose: str) -> None:
    gateway = _compose(compose)["gateway"]
    static = _traefik_static()
    assert re.fullmatch(r"traefik:v3\.([7-9]|\d\d+)(\.\d+)?", gateway["image"]), "3.7+"
    mounts = {tuple(volume.split(":")[:2]) for volume in gateway["volumes"]}
    assert ("./gateway/traefik.yml", "/etc/traefik/traefik.yml") in mounts
    assert ("./gateway/dynamic", static["providers"]["file"]["directory"]) in mounts
    listen_port = static["entryPoints"]["web"]["address"].rpartition(":")[2]
    assert [_interpolate(port).rpartition(":")[2] for port in gateway["ports"]] == [listen_port]


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_gateway_env_fills_every_dynamic_template(compose: str) -> None:
    services = _compose(compose)
    env = _env(services["gateway"])
    used = set()
    for path in (REPO_ROOT / "gateway" / "dynamic").glob("*.yml"):
        used |= set(_TEMPLATE_READS.findall(path.read_text()))
    assert {"SB_AUTH_URL", "SB_AUTH_URLS", "SB_REVIEWS_URLS"} <= used
    assert used <= set(env)
    for name in used:
        match = re.fullmatch(rf"http://([a-z0-9-]+):{SERVICE_PORT}", env[name] or "")
        assert match, f"{name}={env[name]}"
        assert match.group(1) in services


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_portal_documents_every_service(compose: str) -> None:
    services = _compose(compose)
    documented = parse_services(_env(services["portal"])["PORTAL_SERVICES"] or "")
    assert documented == {s.name: f"http://{s.name}:{SERVICE_PORT}" for s in SERVICES}


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_every_long_running_service_has_a_healthcheck(compose: str) -> None:
    for name, service in _compose(compose).items():
        if service.get("restart") != "no":
            assert service.get("healthcheck", {}).get("test"), f"{compose}: {name}"


@pytest.mark.parametrize("compose", COMPOSE_FILES)
def test_only_the_gateway_is_published(compose: str) -> None:
    published = {name for name, service in _compose(compose).items() if service.get("ports")}
    assert published == {"gateway"}


def test_dev_gateway_listens_on_loopback_only() -> None:
    (port,) = _compose(DEV)["gateway"]["ports"]
    assert port.startswith("127.0.0.1:")


def test_prod_runs_in_prod_with_every_secret_required() -> None:
    text = (REPO_ROOT / PROD).read_text()
    for name, operator, _argument in _VARIABLE.findall(text):
        if _SECRET_NAME.search(name):
            assert operator == ":?", f"{PROD}: ${{{name}}} must be required, with no default"
    # A credential in a URL is always a required variable, never a literal.
    for password in re.findall(r"://[^\s:/@]*:([^\s@]+)@", text):
        assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", password), password
    assert not re.search(r"_ENVIRONMENT:\s*(?!prod\b)\S", text)


def test_prod_restarts_limits_and_mounts_no_source() -> None:
    for name, service in _compose(PROD).items():
        one_shot = service.get("restart") == "no"
        assert one_shot or service.get("restart") == "unless-stopped", name
        if not one_shot:
            assert service["deploy"]["resources"]["limits"]["memory"], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert source.startswith("./gateway/"), f"{name} mounts {source}"
                assert volume.endswith(":ro"), f"{name} mounts {source} writable"


def test_prod_migrates_once_before_the_replicas_start() -> None:
    services = _compose(PROD)
    auth = services["auth"]
    assert auth["deploy"]["replicas"] == 2
    assert _env(auth)["MIGRATE_ON_START"] == "0"
    migrate = services["auth-migrate"]
    assert migrate["command"] == ["switchboard-auth", "migrate"]
    assert auth["depends_on"]["auth-migrate"] == {"condition": "service_completed_successfully"}
    assert _env(auth)["AUTH_JWT_PRIVATE_KEY_FILE"] == "/run/secrets/auth_signing_key"
    assert "auth_signing_key" in auth["secrets"]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_prod_runs_each_services_migrations_in_one_step_first(spec: ServiceSpec) -> None:
    services = _compose(PROD)
    service, migrate = services[spec.name], services[f"{spec.name}-migrate"]
    assert migrate["command"] == [f"switchboard-{spec.name}", "migrate"]
    assert migrate["restart"] == "no"
    assert _env(service)["MIGRATE_ON_START"] == "0"
    done = {"condition": "service_completed_successfully"}
    assert service["depends_on"][f"{spec.name}-migrate"] == done


# --- sample data: development only ----------------------------------------------------------


def _runs_a_seed(words: object) -> bool:
    return isinstance(words, list) and "seed" in words


def test_dev_compose_seeds_each_seeding_service_once_its_migrations_ran() -> None:
    """As `make up` does: `seed --if-empty`, after the service (which migrates on start) is
    healthy, and before the gateway opens."""
    services = _compose(DEV)
    for spec in (s for s in SERVICES if s.seeds):
        seed = services[f"{spec.name}-seed"]
        assert seed["command"] == [f"switchboard-{spec.name}", "seed", "--if-empty"]
        assert seed["restart"] == "no"
        assert seed["image"] == services[spec.name]["image"]
        assert seed["depends_on"][spec.name] == {"condition": "service_healthy"}
        assert _env(seed)[f"{spec.env_prefix}_ENVIRONMENT"] == "dev"
        database_url = f"{spec.env_prefix}_DATABASE_URL"
        assert _env(seed)[database_url] == _env(services[spec.name])[database_url]
        done = {"condition": "service_completed_successfully"}
        assert services["gateway"]["depends_on"][f"{spec.name}-seed"] == done


def test_production_never_seeds() -> None:
    for name, service in _compose(PROD).items():
        assert not _runs_a_seed(service.get("command")), f"{PROD}: {name}"
    for path in K8S.glob("*.yaml"):
        for doc in _documents(path):
            pod = doc.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                for words in (container.get("args"), container.get("command")):
                    assert not _runs_a_seed(words), f"{path.name}: {container['name']}"


# --- kubernetes -----------------------------------------------------------------------------


def test_kustomization_applies_existing_files_and_no_secret_values() -> None:
    kustomization = _yaml(K8S / "kustomization.yaml")
    for name in kustomization["resources"]:
        assert (K8S / name).is_file(), name
    assert not any("secret" in name for name in kustomization["resources"])
    assert all(doc["kind"] != "Secret" for doc in _k8s_resources())
    for path in K8S.glob("*.yaml"):
        assert _documents(path), f"{path.name} parses to nothing"


def test_secret_template_holds_placeholders_only() -> None:
    for doc in _documents(K8S / "secrets.template.yaml"):
        assert doc["kind"] == "Secret"
        assert set(doc["stringData"].values()) == {"REPLACE_ME"}


@pytest.mark.parametrize("spec", IMAGES, ids=lambda s: s.name)
def test_k8s_runs_each_image_non_root_on_its_port(spec: ServiceSpec) -> None:
    name = spec.name
    deployment = _k8s("Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    uid = re.findall(r"^USER (\d+)", _dockerfile(), re.MULTILINE)[-1]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(uid)
    images = {_image_repository(_interpolate(_compose(PROD)[name]["image"]))}
    for container in pod.get("initContainers", []) + pod["containers"]:
        assert container["image"] in images
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
    (container,) = pod["containers"]
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": SERVICE_PORT}
    service = _k8s("Service", name)
    assert service["spec"]["ports"] == [
        {"name": "http", "port": SERVICE_PORT, "targetPort": "http"}
    ]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_k8s_service_probes_migration_and_env(spec: ServiceSpec) -> None:
    pod = _k8s("Deployment", spec.name)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {"name": "MIGRATE_ON_START", "value": "0"} in container["env"]
    (migrate,) = pod["initContainers"]
    assert migrate["args"] == [f"switchboard-{spec.name}", "migrate"]
    config = _k8s("ConfigMap", f"{spec.name}-config")["data"]
    secret_keys: set[str] = set()
    for doc in _documents(K8S / "secrets.template.yaml"):
        if doc["metadata"]["name"] == f"{spec.name}-env":
            secret_keys = set(doc["stringData"])
    given = set(config) | secret_keys
    assert given <= _settings_variables(spec)
    assert _required_variables(spec) <= given
    assert config[f"{spec.env_prefix}_ENVIRONMENT"] == "prod"


def test_k8s_portal_documents_every_service() -> None:
    documented = parse_services(_k8s("ConfigMap", "portal-config")["data"]["PORTAL_SERVICES"])
    assert documented == {s.name: f"http://{s.name}:{SERVICE_PORT}" for s in SERVICES}


def test_k8s_routes_are_the_gateway_routes() -> None:
    """Same rule, priority, middleware chain and upstream as each router in gateway/dynamic."""
    (route_doc,) = [doc for doc in _k8s_resources() if doc["kind"] == "IngressRoute"]
    routes = {" ".join(r["match"].split()): r for r in route_doc["spec"]["routes"]}
    routers = _dynamic()["routers"]
    assert len(routes) == len(routers)
    for name, router in routers.items():
        route = routes.get(" ".join(router["rule"].split()))
        assert route is not None, f"no IngressRoute route for router {name}"
        assert router["entryPoints"] == route_doc["spec"]["entryPoints"]
        assert route["priority"] == router["priority"], name
        assert [m["name"] for m in route["middlewares"]] == router["middlewares"], name
        assert route["services"] == [{"name": router["service"], "port": SERVICE_PORT}], name


def test_k8s_middlewares_are_the_gateway_middlewares() -> None:
    middlewares = {
        doc["metadata"]["name"]: doc["spec"]
        for doc in _k8s_resources()
        if doc["kind"] == "Middleware"
    }
    dynamic = _dynamic()["middlewares"]
    assert set(middlewares) == set(dynamic)
    namespace = _yaml(K8S / "kustomization.yaml")["namespace"]
    for name, file_config in dynamic.items():
        crd_config, expected = middlewares[name], file_config
        if "forwardAuth" in file_config:
            # SB_AUTH_URL there is the `auth` Service here, by its cluster-wide name.
            address = _TEMPLATE.sub(
                lambda m: _cluster_url(m.group(1), namespace), file_config["forwardAuth"]["address"]
            )
            expected = {
                **file_config,
                "forwardAuth": {**file_config["forwardAuth"], "address": address},
            }
        assert crd_config == expected, name
