"""Dashboard users: records, roles, bcrypt hashes, and the users file `add-user` maintains.

No Streamlit here, so the `add-user` command stays quick to start.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from analytics.config import secret_value

ROLE_VIEWER = "viewer"
ROLE_ANALYST = "analyst"
ROLE_ADMIN = "admin"
ROLES = (ROLE_VIEWER, ROLE_ANALYST, ROLE_ADMIN)
# Viewer lookup and views export show viewer identifiers (personal data).
PERSONAL_DATA_ROLES = frozenset({ROLE_ANALYST, ROLE_ADMIN})

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 (documented demo account, only without configured users)
DEFAULT_USERS_FILE = Path(".streamlit/users.yaml")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
_BCRYPT_PATTERN = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")


class UsersConfigError(ValueError):
    """The users file or table cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class UserRecord:
    username: str
    name: str
    password_hash: str = field(repr=False)
    roles: tuple[str, ...] = (ROLE_VIEWER,)
    email: str | None = None

    @property
    def can_see_personal_data(self) -> bool:
        return bool(PERSONAL_DATA_ROLES.intersection(self.roles))


# --- Users -------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """A bcrypt hash (what the users file stores; the password itself is never written)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def is_bcrypt_hash(value: str) -> bool:
    return bool(_BCRYPT_PATTERN.match(value or ""))


def validate_username(username: str) -> str:
    """The username in the form the login uses (lower case); ValueError when it cannot be one."""
    normalised = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(normalised):
        raise ValueError(
            f"username: {username!r} must be 1-64 characters of a-z, 0-9 and . _ @ + - "
            "(logins are case-insensitive, so use lower case)"
        )
    return normalised


def validate_roles(roles: Any, where: str) -> tuple[str, ...]:
    if isinstance(roles, str):
        roles = [roles]
    if not roles:
        return (ROLE_VIEWER,)
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise UsersConfigError(
            f"{where}: unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}"
        )
    return tuple(dict.fromkeys(roles))


def _users_from_mapping(entries: Any, where: str) -> dict[str, UserRecord]:
    if entries in (None, ""):
        return {}
    if not isinstance(entries, Mapping):
        raise UsersConfigError(f"{where}: expected a table of users by username")
    users: dict[str, UserRecord] = {}
    for raw_name, entry in entries.items():
        try:
            username = validate_username(str(raw_name))
        except ValueError as error:
            raise UsersConfigError(f"{where}: {error}") from None
        if not isinstance(entry, Mapping):
            raise UsersConfigError(f"{where}: user {username!r} needs name, password and roles")
        password = str(entry.get("password") or "")
        if not is_bcrypt_hash(password):
            raise UsersConfigError(
                f"{where}: the password of user {username!r} is not a bcrypt hash; set it with "
                f"`python -m analytics add-user {username} --replace`"
            )
        users[username] = UserRecord(
            username=username,
            name=str(entry.get("name") or username),
            password_hash=password,
            roles=validate_roles(entry.get("roles"), f"{where}: user {username!r}"),
            email=str(entry["email"]) if entry.get("email") else None,
        )
    return users


def load_users_file(path: Path) -> dict[str, UserRecord]:
    """Users from a YAML file in streamlit-authenticator's layout; {} when the file is absent."""
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        reason = getattr(error, "problem", None) or type(error).__name__
        raise UsersConfigError(f"{path}: cannot read the users file ({reason})") from None
    if not isinstance(document, Mapping):
        raise UsersConfigError(f"{path}: expected `credentials: usernames: ...` at the top")
    credentials = document.get("credentials", document)
    if not isinstance(credentials, Mapping):
        raise UsersConfigError(f"{path}: `credentials` must hold `usernames`")
    return _users_from_mapping(credentials.get("usernames"), str(path))


def load_users(users_file: Path, secrets: Mapping[str, Any] | None) -> dict[str, UserRecord]:
    """Users of secrets.toml's [dashboard_users] and of the users file (the file wins a clash)."""
    inline = secret_value(secrets, "dashboard_users")
    users = _users_from_mapping(
        dict(inline) if isinstance(inline, Mapping) else inline, "secrets.toml [dashboard_users]"
    )
    users.update(load_users_file(users_file))
    return users


def save_users_file(path: Path, users: Mapping[str, UserRecord]) -> None:
    """Write the users file atomically, readable by its owner only."""
    document = {
        "credentials": {
            "usernames": {
                user.username: {
                    "name": user.name,
                    **({"email": user.email} if user.email else {}),
                    "password": user.password_hash,
                    "roles": list(user.roles),
                }
                for user in sorted(users.values(), key=lambda record: record.username)
            }
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write("# Dashboard users: bcrypt password hashes and roles.\n")
            stream.write("# Manage with `python -m analytics add-user`. Never commit this file.\n")
            yaml.safe_dump(document, stream, sort_keys=False, allow_unicode=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def demo_user() -> UserRecord:
    return UserRecord(
        username=DEMO_USERNAME,
        name="Demo analyst",
        password_hash=hash_password(DEMO_PASSWORD),
        roles=(ROLE_ANALYST,),
    )
