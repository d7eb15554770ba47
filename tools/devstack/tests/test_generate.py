"""The generated deployment files: committed as `sbctl generate` writes them, and complete."""

from pathlib import Path

import pytest
import yaml

from devstack.cli import main
from devstack.generate import GENERATED_MARK, Suite, render_files, stale_files, write_files
from devstack.services import PORTAL, SERVICES, ServiceSpec

from .conftest import REPO_ROOT, copy_of_the_manifests

SUITE = Suite.read(REPO_ROOT, services=SERVICES, portal=PORTAL)


def test_the_committed_files_are_what_the_manifests_generate() -> None:
    assert stale_files(REPO_ROOT, SUITE) == [], (
        "the deployment files drifted from the service manifests; run `uv run sbctl generate`"
    )


def test_every_generated_file_says_so_and_parses() -> None:
    for path, text in render_files(SUITE).items():
        assert text.startswith(GENERATED_MARK), path
        assert [doc for doc in yaml.safe_load_all(text) if doc], path


@pytest.mark.parametrize("spec", [*SERVICES, PORTAL], ids=lambda s: s.name)
def test_each_service_gets_its_routes_and_kubernetes_objects(spec: ServiceSpec) -> None:
    files = render_files(SUITE)
    routes = yaml.safe_load(files[f"gateway/dynamic/{spec.name}.yml"])["http"]["routers"]
    assert list(routes) == [route.name for route in spec.routes]
    kinds = {doc["kind"] for doc in yaml.safe_load_all(files[f"k8s/{spec.name}.yaml"])}
    assert {"ConfigMap", "Deployment", "Service"} <= kinds
    assert f"{spec.name}.yaml" in yaml.safe_load(files["k8s/kustomization.yaml"])["resources"]


def test_the_hand_written_files_are_left_alone() -> None:
    files = render_files(SUITE)
    assert "gateway/dynamic/middlewares.yml" not in files
    assert "k8s/namespace.yaml" not in files
    namespace = yaml.safe_load((REPO_ROOT / "k8s" / "namespace.yaml").read_text())
    assert (
        yaml.safe_load(files["k8s/kustomization.yaml"])["namespace"]
        == namespace["metadata"]["name"]
    )


def test_writing_creates_what_is_missing_and_removes_a_gone_services_files(
    tmp_path: Path,
) -> None:
    root = copy_of_the_manifests(tmp_path)
    leftover = root / "k8s" / "shop.yaml"
    leftover.write_text(f"{GENERATED_MARK} from services/shop/service.toml\n")
    hand_written = root / "k8s" / "extra.yaml"
    hand_written.write_text("kind: ConfigMap\n")
    written = write_files(root, SUITE)
    assert "k8s/shop.yaml" in written
    assert not leftover.exists()
    assert hand_written.exists()
    assert stale_files(root, SUITE) == []
    assert write_files(root, SUITE) == []


def test_generate_check_fails_on_a_stale_file_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of_the_manifests(tmp_path)
    monkeypatch.chdir(root)
    assert main(["generate"]) == 0
    assert main(["generate", "--check"]) == 0
    (root / "gateway" / "dynamic" / "chat.yml").write_text("# edited by hand\n")
    capsys.readouterr()
    assert main(["generate", "--check"]) == 1
    assert "stale: gateway/dynamic/chat.yml" in capsys.readouterr().out
