"""API keys: hashed at rest, env keys, roles, the ``ccassist keys`` commands."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.auth import ROLE_VISIBILITY, Caller, KeyStore, Role, add_key, list_keys
from api.main import create_app
from core.errors import InvalidInput
from tests.api.conftest import Corpus, api_settings, cli


def test_roles_and_tiers() -> None:
    assert ROLE_VISIBILITY[Role.public] == ("public",)
    assert ROLE_VISIBILITY[Role.member] == ("public", "members")
    assert ROLE_VISIBILITY[Role.staff] == ROLE_VISIBILITY[Role.editor] == ("public", "members", "internal")
    assert Caller.for_role(Role.editor).can_edit and not Caller.for_role(Role.staff).can_edit
    assert Caller.for_role(Role.staff).at_least(Role.member) and not Caller.for_role(Role.member).at_least(Role.staff)


def test_keys_file_holds_only_salted_hashes(tmp_path: Path) -> None:
    path = tmp_path / "keys.yaml"
    key1, _ = add_key(path, "editor", name="alice")
    key2, info2 = add_key(path, "member")
    assert key1 != key2 and info2.name == "member-1"
    text = path.read_text()
    assert key1 not in text and key2 not in text
    data = yaml.safe_load(text)
    assert len(bytes.fromhex(data["salt"])) == 16
    assert {k["name"]: k["role"] for k in data["keys"]} == {"alice": "editor", "member-1": "member"}
    assert (path.stat().st_mode & 0o077) == 0, "keys file is private to its owner"
    store = KeyStore(path=path)
    assert store.lookup(key1).role is Role.editor and store.lookup(key1).name == "alice"
    assert store.lookup(key2).role is Role.member
    assert store.lookup(key1 + "x") is None and store.lookup("") is None
    with pytest.raises(InvalidInput):
        add_key(path, "editor", name="alice")
    with pytest.raises(InvalidInput):
        add_key(path, "admin")
    assert [k.name for k in list_keys(path)] == ["alice", "member-1"]


def test_json_keys_file_and_reload_on_change(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key1, _ = add_key(path, "staff")
    store = KeyStore(path=path)
    assert store.lookup(key1).role is Role.staff
    json.loads(path.read_text())
    key2, _ = add_key(path, "editor")
    os.utime(path, (os.path.getmtime(path) + 5, os.path.getmtime(path) + 5))
    assert store.lookup(key2).role is Role.editor, "a key added while the server runs works without restart"
    path.write_text("{ broken json")
    assert store.lookup(key2).role is Role.editor, "a broken edit keeps the keys that were loaded"
    with pytest.raises(InvalidInput):
        KeyStore(path=path)


def test_env_keys_are_hashed_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = KeyStore(env_keys="member:sekrit-one, editor:sekrit:two")
    assert store.lookup("sekrit-one").role is Role.member
    assert store.lookup("sekrit:two").role is Role.editor, "only the first colon separates the role"
    assert "sekrit" not in repr(store.__dict__) and "sekrit" not in caplog.text
    with pytest.raises(InvalidInput):
        KeyStore(env_keys="nocolon")
    with pytest.raises(InvalidInput):
        KeyStore(env_keys="root:abc")


def test_keys_add_cli_prints_the_key_once_and_it_works(tmp_path: Path, corpus: Corpus) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCASSIST_")}
    keys_file = tmp_path / "api_keys.yaml"
    env["CCASSIST_API_KEYS_FILE"] = str(keys_file)
    result = cli("keys", "add", "member", "--name", "ui", env=env)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("cca_") and len(key) > 30
    assert key not in keys_file.read_text() and key not in result.stderr
    listed = cli("keys", "list", "--json", env=env)
    assert json.loads(listed.stdout)["keys"][0]["name"] == "ui"
    assert key not in listed.stdout
    bad = cli("keys", "add", "overlord", env=env)
    assert bad.returncode == 1 and "unknown role" in bad.stderr

    app = create_app(corpus.settings, corpus.services, api_settings=api_settings(api_keys=None,
                                                                                 api_keys_file=keys_file))
    with TestClient(app) as tc:
        stats = tc.get("/stats", headers={"X-API-Key": key}).json()
        assert stats["documents"] == 8, "a member sees public + members documents"
        assert tc.get("/stats", headers={"X-API-Key": "cca_wrong"}).status_code == 401
