"""`python -m analytics add-user`: add (or replace) a dashboard user with a bcrypt-hashed password.

The password is read from the terminal (asked twice) or, for scripts, from standard input with
--password-stdin; it is never taken as an argument (shell history, process lists).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from analytics.config import ConfigSource
from analytics.dashboard.users import (
    DEFAULT_USERS_FILE,
    ROLES,
    UserRecord,
    UsersConfigError,
    hash_password,
    load_users_file,
    save_users_file,
    validate_username,
)

MIN_PASSWORD_LENGTH = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "add-user",
        help="add a dashboard user (bcrypt-hashed password) to the users file",
        description="Add a dashboard user to the users YAML file, or replace one with --replace. "
        "Roles: viewer (aggregates only), analyst and admin (also viewer lookup and views "
        "export, which show viewer identifiers).",
    )
    parser.add_argument("username", help="login name (case-insensitive; stored in lower case)")
    parser.add_argument("--name", help="display name (default: the username)")
    parser.add_argument("--email", help="e-mail address (optional)")
    parser.add_argument(
        "--role",
        dest="roles",
        action="append",
        choices=ROLES,
        help="role; repeat for several (default: viewer)",
    )
    parser.add_argument(
        "--users-file",
        type=Path,
        default=None,
        help=f"users YAML file (default: $DASHBOARD_USERS_FILE or {DEFAULT_USERS_FILE})",
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    parser.add_argument(
        "--replace", action="store_true", help="replace the user if it exists already"
    )
    parser.set_defaults(func=add_user)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise ValueError("password: the two entries differ")
    return first


def add_user(args: argparse.Namespace) -> int:
    users_file = args.users_file or Path(
        ConfigSource().text("DASHBOARD_USERS_FILE") or DEFAULT_USERS_FILE
    )
    try:
        username = validate_username(args.username)
        users = load_users_file(users_file)
        if username in users and not args.replace:
            raise ValueError(
                f"username: {username!r} exists in {users_file}; add --replace to replace it"
            )
        password = _read_password(args.password_stdin)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
        if password.strip() != password:
            raise ValueError("password: no leading or trailing spaces (the login strips them)")
        roles = tuple(dict.fromkeys(args.roles or ["viewer"]))
        users[username] = UserRecord(
            username=username,
            name=(args.name or username).strip(),
            password_hash=hash_password(password),
            roles=roles,
            email=(args.email or "").strip() or None,
        )
        save_users_file(users_file, users)
    except (UsersConfigError, ValueError, OSError) as error:
        print(f"add-user: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("\nadd-user: cancelled", file=sys.stderr)
        return 130
    action = "Replaced" if args.replace else "Added"
    print(f"{action} user {username!r} with roles {', '.join(roles)} in {users_file}")
    return 0
