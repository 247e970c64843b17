"""`assistant users`: local accounts, passwords and API tokens."""

from __future__ import annotations

import json
import sys

from assistant.cli_common import fail as _fail
from assistant.settings import Settings


def register(sub) -> None:
    """Add the ``users`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("users", help="manage accounts: create, API tokens, list, delete, passwords",
                       description="Local accounts for the web app and the API. Roles: commissioner, "
                       "lead, trainer and admin (admins upload and delete documents, manage accounts "
                       "and may read every conversation).")
    p.set_defaults(handler=cmd_users)
    users_sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    u = users_sub.add_parser("create", help="create an account",
                             description="Create an account. The password (10 characters or more) is "
                             "typed twice at a prompt, or read from the first line of standard input "
                             "with --password-stdin.")
    u.add_argument("name", metavar="NAME", help="1 to 64 letters, digits, '.', '_' or '-'")
    u.add_argument("--role", required=True, metavar="ROLE",
                   help="commissioner, lead, trainer or admin")
    u.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    u = users_sub.add_parser("token", help="print a new personal API token (the old one stops working)",
                             description="Print a new personal API token on standard output; API calls "
                             "present it as 'Authorization: Bearer TOKEN'. Only a hash is stored, so "
                             "it cannot be shown again; running this again replaces it.")
    u.add_argument("name", metavar="NAME")
    u = users_sub.add_parser("list", help="list accounts and their roles")
    u.add_argument("--json", action="store_true", help="print JSON")
    u = users_sub.add_parser("delete", help="delete an account with its conversations, feedback and the workspaces it owns",
                             description="Delete an account with its conversations, feedback and the workspaces it owns. "
                             "The only admin cannot be deleted.")
    u.add_argument("name", metavar="NAME")
    u = users_sub.add_parser("set-password", help="give an account a new password")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")


def _read_password(args) -> str:
    """The first line of standard input with --password-stdin; else typed twice at a prompt."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise ValueError("give --password-stdin to read the password from standard input")
    import getpass

    password = getpass.getpass("Password (10 characters or more): ")
    if getpass.getpass("The same password again: ") != password:
        raise ValueError("the two passwords differ; nothing was changed")
    return password


def _users_create(args, settings: Settings) -> int:
    from assistant.accounts import create_user

    user = create_user(settings, args.name, args.role, _read_password(args))
    print(f"created {user.role} {user.name}")
    return 0


def _users_token(args, settings: Settings) -> int:
    from assistant.accounts import issue_token

    print(issue_token(settings, args.name))
    return 0


def _users_list(args, settings: Settings) -> int:
    from assistant.accounts import list_users

    users = list_users(settings)
    if args.json:
        print(json.dumps([{"name": u.name, "role": u.role, "created_at": u.created_at.isoformat(),
                           "has_token": u.has_token} for u in users], indent=2))
        return 0
    if not users:
        print("No accounts yet; create the first admin with `assistant users create NAME --role admin`.")
    for u in users:
        token = "API token" if u.has_token else ""
        print(f"{u.name:24} {u.role:12} created {u.created_at:%Y-%m-%d %H:%M}  {token}".rstrip())
    return 0


def _users_delete(args, settings: Settings) -> int:
    from assistant.accounts import delete_user

    delete_user(settings, args.name)
    print(f"deleted user {args.name} and their conversations")
    return 0


def _users_set_password(args, settings: Settings) -> int:
    from assistant.accounts import AccountError, get_user, set_password

    if get_user(settings, args.name) is None:  # say so before asking for a password
        raise AccountError(f"there is no user named {args.name!r}")
    set_password(settings, args.name, _read_password(args))
    print(f"changed the password of {args.name}")
    return 0


USER_ACTIONS = {"create": _users_create, "token": _users_token, "list": _users_list,
                "delete": _users_delete, "set-password": _users_set_password}


def cmd_users(args, settings: Settings) -> int:
    """Run one account action, reporting a refused one in a sentence."""
    from assistant.accounts import AccountError
    from assistant.database import DatabaseUnavailable

    try:
        return USER_ACTIONS[args.action](args, settings)
    except (AccountError, DatabaseUnavailable, ValueError) as err:
        return _fail(str(err))
