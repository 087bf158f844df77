"""Users, roles, the users file and `python -m analytics add-user`."""

from __future__ import annotations

import io
import os
import stat

import pytest
import yaml

from analytics.__main__ import main
from analytics.dashboard.users import (
    UserRecord,
    UsersConfigError,
    check_password,
    hash_password,
    load_users,
    load_users_file,
    save_users_file,
    validate_username,
)


def add_user(
    monkeypatch,
    capsys,
    *args: str,
    password: str = "correct horse 1",  # noqa: S107
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    code = main(["add-user", *args, "--password-stdin"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_add_user_writes_a_bcrypt_hash_and_roles(tmp_path, monkeypatch, capsys):
    users_file = tmp_path / "users.yaml"
    code, output = add_user(
        monkeypatch, capsys, "Alice", "--name", "Alice Example", "--role", "analyst",
        "--email", "alice@example.com", "--users-file", str(users_file),
    )  # fmt: skip
    assert code == 0, output
    text = users_file.read_text()
    assert "correct horse" not in text
    document = yaml.safe_load(text)
    entry = document["credentials"]["usernames"]["alice"]
    assert entry["roles"] == ["analyst"]
    assert entry["name"] == "Alice Example"
    assert check_password("correct horse 1", entry["password"])
    assert stat.S_IMODE(os.stat(users_file).st_mode) == 0o600
    user = load_users_file(users_file)["alice"]
    assert user.can_see_personal_data


def test_add_user_keeps_other_users_and_refuses_duplicates_without_replace(
    tmp_path, monkeypatch, capsys
):
    users_file = str(tmp_path / "users.yaml")
    assert add_user(monkeypatch, capsys, "bob", "--users-file", users_file)[0] == 0
    assert add_user(monkeypatch, capsys, "carol", "--users-file", users_file)[0] == 0
    code, output = add_user(monkeypatch, capsys, "bob", "--users-file", users_file)
    assert code == 2
    assert "--replace" in output
    code, _ = add_user(
        monkeypatch, capsys, "bob", "--role", "admin", "--replace", "--users-file", users_file,
        password="a new password",
    )  # fmt: skip
    assert code == 0
    users = load_users_file(tmp_path / "users.yaml")
    assert set(users) == {"bob", "carol"}
    assert users["bob"].roles == ("admin",)
    assert users["carol"].roles == ("viewer",)
    assert check_password("a new password", users["bob"].password_hash)


def test_add_user_uses_the_users_file_from_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(tmp_path / "from-env.yaml"))
    assert add_user(monkeypatch, capsys, "dora")[0] == 0
    assert "dora" in load_users_file(tmp_path / "from-env.yaml")


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ok", "short", "at least 8"),
        ("ok", " padded password ", "spaces"),
        ("bad name!", "long enough", "username"),
    ],
)
def test_add_user_refuses_bad_input_with_a_clear_message(
    tmp_path, monkeypatch, capsys, username, password, message
):
    users_file = tmp_path / "u.yaml"
    code, output = add_user(
        monkeypatch, capsys, username, "--users-file", str(users_file), password=password
    )
    assert code == 2
    assert message in output
    assert not users_file.exists()


def test_add_user_refuses_an_unknown_role(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_info:
        add_user(monkeypatch, capsys, "ok", "--role", "superuser")
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_hash_and_check_password():
    digest = hash_password("secret words")
    assert digest.startswith("$2b$")
    assert check_password("secret words", digest)
    assert not check_password("secret word", digest)
    assert not check_password("anything", "not a hash")


def test_usernames_are_lower_case_and_validated():
    assert validate_username("  Alice@Example.com ") == "alice@example.com"
    with pytest.raises(ValueError, match="username"):
        validate_username("")
    with pytest.raises(ValueError, match="username"):
        validate_username("a b")


def write(path, document) -> None:
    path.write_text(yaml.safe_dump(document))


def test_users_file_with_a_plain_text_password_is_refused(tmp_path):
    path = tmp_path / "users.yaml"
    write(path, {"credentials": {"usernames": {"eve": {"password": "plain", "roles": ["admin"]}}}})
    with pytest.raises(UsersConfigError, match="not a bcrypt hash"):
        load_users_file(path)


def test_users_file_with_an_unknown_role_is_refused(tmp_path):
    path = tmp_path / "users.yaml"
    digest = hash_password("password1")
    write(path, {"credentials": {"usernames": {"eve": {"password": digest, "roles": ["analist"]}}}})
    with pytest.raises(UsersConfigError, match="analist"):
        load_users_file(path)


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("credentials: [unclosed")
    with pytest.raises(UsersConfigError, match=str(path)):
        load_users_file(path)


def test_users_come_from_secrets_and_the_file_which_wins_a_clash(tmp_path):
    digest = hash_password("password1")
    path = tmp_path / "users.yaml"
    save_users_file(path, {"ann": UserRecord("ann", "Ann (file)", digest, ("admin",))})
    secrets = {
        "dashboard_users": {
            "ann": {"name": "Ann (secrets)", "password": digest, "roles": ["viewer"]},
            "ben": {"name": "Ben", "password": digest},
        }
    }
    users = load_users(path, secrets)
    assert users["ann"].name == "Ann (file)"
    assert users["ben"].roles == ("viewer",)
    assert not users["ben"].can_see_personal_data
    assert load_users(tmp_path / "missing.yaml", None) == {}
