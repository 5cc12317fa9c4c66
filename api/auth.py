"""API keys, roles and the :class:`Caller` every route receives.

Keys are never stored or logged in clear: the keys file holds
``sha256(salt + key)`` with one random salt per file, and keys given in
``CCASSIST_API_KEYS`` are hashed (with a per-process salt) as they are loaded.

Roles are tiers; each one sees the visibilities of the tiers below it:

========  ==============================  ==============================
role      sees (``allowed_visibility``)   may also
========  ==============================  ==============================
public    public                          -
member    public, members                 -
staff     public, members, internal       -
editor    public, members, internal       upload, delete, save fact sheets
========  ==============================  ==============================

``allowed_visibility`` goes into every :class:`Services` call, which adds it to
the Qdrant query itself: hidden documents are never fetched, so nothing can be
filtered out too late.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from api.errors import RateLimited
from core.errors import Forbidden, InvalidInput, Unauthorized
from core.settings import VISIBILITIES

logger = logging.getLogger(__name__)

__all__ = [
    "ROLE_VISIBILITY",
    "ApiKey",
    "Caller",
    "CallerDep",
    "EditorDep",
    "KeyStore",
    "RateLimiter",
    "Role",
    "add_key",
    "generate_key",
    "get_caller",
    "hash_key",
    "list_keys",
    "require_role",
]

KEY_PREFIX = "cca_"
_FILE_VERSION = 1


class Role(str, Enum):
    """Access tiers, lowest first."""

    public = "public"
    member = "member"
    staff = "staff"
    editor = "editor"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.public: 0, Role.member: 1, Role.staff: 2, Role.editor: 3}

ROLE_VISIBILITY: dict[Role, tuple[str, ...]] = {
    Role.public: ("public",),
    Role.member: ("public", "members"),
    Role.staff: tuple(VISIBILITIES),
    Role.editor: tuple(VISIBILITIES),
}


class Caller(BaseModel):
    """Who is calling: injected into routes, passed on to every Services call."""

    model_config = ConfigDict(frozen=True)

    role: Role
    name: str = Field(description="Key name, or 'anonymous'")
    key_id: str | None = Field(None, description="Short fingerprint of the key hash (safe to log)")
    allowed_visibility: list[str] = Field(description="Visibilities this caller may read")
    can_edit: bool = Field(description="May upload, delete and save fact sheets")

    @classmethod
    def for_role(cls, role: Role, *, name: str = "anonymous", key_id: str | None = None) -> Caller:
        return cls(
            role=role,
            name=name,
            key_id=key_id,
            allowed_visibility=list(ROLE_VISIBILITY[role]),
            can_edit=role is Role.editor,
        )

    def at_least(self, role: Role) -> bool:
        return self.role.rank >= role.rank


# -- keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A configured key, without the key itself."""

    name: str
    role: Role
    key_id: str
    created: str | None = None
    origin: str = "file"


def generate_key() -> str:
    """A new random API key (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str, salt: bytes) -> str:
    """``sha256(salt + key)`` as hex."""
    return hashlib.sha256(salt + key.encode("utf-8")).hexdigest()


def _parse_role(value: Any, where: str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"{where}: unknown role {value!r}; use one of {', '.join(r.value for r in Role)}") from None


def _read_keys_file(path: Path) -> dict[str, Any]:
    """The keys file as a dict (empty structure when the file does not exist)."""
    if not path.exists():
        return {"version": _FILE_VERSION, "algorithm": "sha256", "salt": None, "keys": []}
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(f"cannot read API keys file {path}: {type(exc).__name__}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("keys", []), list):
        raise InvalidInput(f"API keys file {path} must be a mapping with a 'keys' list")
    if data.get("algorithm", "sha256") != "sha256":
        raise InvalidInput(f"API keys file {path}: unsupported algorithm {data.get('algorithm')!r}")
    data.setdefault("keys", [])
    return data


def _write_keys_file(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = (
            "# ccassist API keys: sha256(salt + key) hashes only; add keys with `ccassist keys add ROLE`.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def add_key(path: Path, role: str | Role, *, name: str | None = None) -> tuple[str, ApiKey]:
    """Generate a key for ``role``, store its hash in ``path`` and return ``(key, info)``.

    The key itself is returned once and never stored; the file gets a salt on first use.
    """
    role = _parse_role(role, "keys add")
    data = _read_keys_file(path)
    if not data.get("salt"):
        data["salt"] = secrets.token_hex(16)
    existing = {str(k.get("name")) for k in data["keys"] if isinstance(k, dict)}
    if name is None:
        n = 1
        while f"{role.value}-{n}" in existing:
            n += 1
        name = f"{role.value}-{n}"
    name = name.strip()
    if not name:
        raise InvalidInput("key name must not be empty")
    if name in existing:
        raise InvalidInput(f"a key named {name!r} already exists in {path}")
    key = generate_key()
    digest = hash_key(key, bytes.fromhex(data["salt"]))
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    data["version"] = _FILE_VERSION
    data["algorithm"] = "sha256"
    data["keys"].append({"name": name, "role": role.value, "hash": digest, "created": created})
    _write_keys_file(path, data)
    return key, ApiKey(name=name, role=role, key_id=digest[:12], created=created)


def list_keys(path: Path) -> list[ApiKey]:
    """The keys configured in ``path`` (names, roles, fingerprints; never the keys)."""
    data = _read_keys_file(path)
    return [
        ApiKey(name=str(k.get("name")), role=_parse_role(k.get("role"), str(path)), key_id=str(k.get("hash", ""))[:12],
               created=k.get("created"))
        for k in data["keys"]
        if isinstance(k, dict)
    ]


class KeyStore:
    """Hashed keys from the keys file and the environment; reloads the file when it changes."""

    def __init__(self, *, path: Path | None = None, env_keys: str | None = None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._file_salt = b""
        self._file_keys: dict[str, ApiKey] = {}
        self._file_stamp: tuple[float, int] | None = None
        self._loaded = False
        self._env_salt = secrets.token_bytes(16)
        self._env_keys = self._parse_env(env_keys or "")
        self._reload_if_changed()  # at startup a broken keys file raises
        self._loaded = True

    def _parse_env(self, raw: str) -> dict[str, ApiKey]:
        keys: dict[str, ApiKey] = {}
        for i, item in enumerate((p.strip() for p in raw.split(",")), start=1):
            if not item:
                continue
            role, sep, key = item.partition(":")
            if not sep or not key.strip():
                raise InvalidInput(f"CCASSIST_API_KEYS entry {i} must look like role:key")
            digest = hash_key(key.strip(), self._env_salt)
            keys[digest] = ApiKey(name=f"env-{i}", role=_parse_role(role, f"CCASSIST_API_KEYS entry {i}"),
                                  key_id=digest[:12], origin="env")
        return keys

    def _reload_if_changed(self) -> None:
        if self.path is None:
            return
        try:
            st = self.path.stat()
            stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._file_stamp:
            return
        try:
            salt, keys = self._load_file() if stamp is not None else (b"", {})
        except (InvalidInput, ValueError) as exc:
            if not self._loaded:
                raise  # at startup a broken keys file stops the server
            logger.error("keeping the previous API keys: %s", exc)  # a bad edit must not lock everyone out
            self._file_stamp = stamp
            return
        self._file_salt, self._file_keys, self._file_stamp = salt, keys, stamp

    def _load_file(self) -> tuple[bytes, dict[str, ApiKey]]:
        assert self.path is not None
        data = _read_keys_file(self.path)
        salt = bytes.fromhex(data["salt"]) if data.get("salt") else b""
        keys: dict[str, ApiKey] = {}
        for entry in data["keys"]:
            if not isinstance(entry, dict) or not entry.get("hash"):
                continue
            digest = str(entry["hash"]).lower()
            keys[digest] = ApiKey(name=str(entry.get("name", digest[:12])),
                                  role=_parse_role(entry.get("role"), str(self.path)),
                                  key_id=digest[:12], created=entry.get("created"))
        logger.info("loaded %d API key(s) from %s", len(keys), self.path)
        return salt, keys

    def __len__(self) -> int:
        return len(self._file_keys) + len(self._env_keys)

    def lookup(self, presented: str) -> ApiKey | None:
        """The key's entry, or None when it is unknown."""
        with self._lock:
            self._reload_if_changed()
            file_salt, file_keys = self._file_salt, self._file_keys
        for salt, table in ((file_salt, file_keys), (self._env_salt, self._env_keys)):
            if not table:
                continue
            digest = hash_key(presented, salt)
            found = table.get(digest)
            if found is not None and hmac.compare_digest(found.key_id, digest[:12]):
                return found
        return None


# -- rate limit ----------------------------------------------------------------------------------


class RateLimiter:
    """A token bucket per caller, in memory: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, who: str) -> None:
        """Take one token for ``who`` or raise :class:`RateLimited`."""
        if self.capacity <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                raise RateLimited(
                    f"rate limit of {int(self.capacity)} requests per minute exceeded",
                    retry_after=(1.0 - tokens) / self.rate,
                )
            self._buckets[who] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget callers whose bucket is full again
                full = [k for k, (t, s) in self._buckets.items() if t + (now - s) * self.rate >= self.capacity]
                for k in full:
                    del self._buckets[k]


# -- dependencies --------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="API key as `Authorization: Bearer KEY`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key in `X-API-Key`")


async def get_caller(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key_header)],
) -> Caller:
    """Resolve the caller from ``Authorization: Bearer KEY`` or ``X-API-Key`` and apply the rate limit.

    No key: role ``public`` when anonymous access is on, else 401. An unknown
    key is always 401 (never silently downgraded to public).
    """
    state = request.app.state
    header = request.headers.get("authorization")
    if header and bearer is None:
        raise Unauthorized("the Authorization header must be 'Bearer <API key>'")
    presented = bearer.credentials.strip() if bearer is not None else (api_key or "").strip()
    if presented:
        found = state.keys.lookup(presented)
        if found is None:
            logger.info("rejected unknown API key from %s", request.client.host if request.client else "?")
            raise Unauthorized("unknown API key")
        caller = Caller.for_role(found.role, name=found.name, key_id=found.key_id)
        bucket = f"key:{found.key_id}"
    else:
        if not state.api_settings.anonymous_access:
            raise Unauthorized("an API key is required (Authorization: Bearer KEY or X-API-Key)")
        caller = Caller.for_role(Role.public)
        bucket = f"anon:{request.client.host if request.client else '-'}"
    state.limiter.hit(bucket)
    return caller


def require_role(role: Role) -> Any:
    """A dependency that admits callers of ``role`` or higher (403 otherwise)."""

    async def _check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if not caller.at_least(role):
            raise Forbidden(f"this needs role '{role.value}' or higher; your role is '{caller.role.value}'")
        return caller

    _check.__name__ = f"require_{role.value}"
    return _check


CallerDep = Annotated[Caller, Depends(get_caller)]
EditorDep = Annotated[Caller, Depends(require_role(Role.editor))]
