"""``svc-admin <ini> ...``: manage the auth store that an ini file's ``egg:svc#auth`` filter uses.

Passwords come from a prompt, or from standard input when it is not a terminal (one line);
never from an argument, which other users could read in the process list.
"""
import argparse
import datetime
import json
import getpass
import os
import sys
import time

from pyramid.exceptions import ConfigurationError

from svc.auth import migrate
from svc.auth.audit import CLI
from svc.auth.permissions import check_grantable, known_permissions
from svc.auth.names import InvalidName, InvalidValue
from svc.auth.public import check_public_grant
from svc.auth.settings import read_auth_settings
from svc.auth.store import StoreError
from svc.check import open_ini, run_check


class CommandError(Exception):
    """Stops the command with a message and exit status 1."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="svc-admin",
        description="Manage the users, groups, permissions, API tokens and sessions of the "
        "egg:svc#auth filter of an ini file.",
    )
    parser.add_argument("ini", help="the ini file, such as production.ini")
    parser.add_argument("--filter", default="auth", help="the [filter:NAME] section of egg:svc#auth (default: auth)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    commands.add_parser("check", help="report what would stop or weaken pserve: exit 0 ok, 1 errors, 2 warnings")
    commands.add_parser("init", help="create the secret file if missing, and the database schema")
    commands.add_parser("migrate", help="bring the database schema up to date (Alembic)")
    commands.add_parser(
        "rotate-secret", help="put a new signing secret first in svc.auth.secret_file; the old ones still verify"
    )

    users = commands.add_parser("users", help="add, remove, passwd, list").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="add a user; asks for the password")
    add.add_argument("name")
    add.add_argument("--no-password", action="store_true", help="a user who signs in with API tokens only")
    users.add_parser("remove", help="remove a user with their tokens and sessions").add_argument("name")
    users.add_parser("passwd", help="set a user's password; ends their sessions").add_argument("name")
    users.add_parser("list", help="list users")

    groups = commands.add_parser("groups", help="add, remove, list, add-member, remove-member")
    groups = groups.add_subparsers(dest="action", required=True)
    groups.add_parser("add").add_argument("name")
    groups.add_parser("remove").add_argument("name")
    groups.add_parser("list")
    for action in ("add-member", "remove-member"):
        member = groups.add_parser(action)
        member.add_argument("group")
        member.add_argument("user")

    for action, text in (("grant", "grant a permission to"), ("revoke", "revoke a permission from")):
        sub = commands.add_parser(action, help=f"{text} a user, or a group written @group")
        sub.add_argument("subject", help="user name or @group")
        sub.add_argument("permission")
    commands.choices["grant"].add_argument(
        "--force", action="store_true", help="grant a permission no app of the ini declares (a foreign app's own)"
    )
    commands.add_parser("grants", help="list every grant")

    tokens = commands.add_parser("tokens", help="create, list, revoke").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="create an API token; it is printed once")
    create.add_argument("user")
    create.add_argument("--label", default="")
    create.add_argument("--expires-in", type=int, metavar="SECONDS")
    tokens.add_parser("list").add_argument("user", nargs="?")
    tokens.add_parser("revoke").add_argument("id", type=int)

    sessions = commands.add_parser("sessions", help="revoke USER: sign a user out everywhere")
    sessions.add_subparsers(dest="action", required=True).add_parser("revoke").add_argument("user")

    audit = commands.add_parser("audit", help="print the audit log as JSON lines, oldest first")
    audit.add_argument("--since", type=_since, metavar="TIME",
                       help="from this time on: Unix seconds, an ISO 8601 date or time (UTC unless it says), "
                       "or a duration back from now such as 90m, 12h, 7d")

    imports = commands.add_parser("import-htpasswd", help="add or update users from an htpasswd file")
    imports.add_argument("file", help="the file, or - for standard input")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["check"] and len(argv) == 2:
        argv.reverse()  # `svc-admin check INI` reads as well as `svc-admin INI check`
    args = _parser().parse_args(argv)
    try:
        return run(args) or 0
    except (CommandError, InvalidName, InvalidValue, StoreError, ConfigurationError) as exc:
        print(f"svc-admin: {exc}", file=sys.stderr)
        return 1


def run(args):
    if args.command == "check":
        return run_check(args.ini)
    loader = open_ini(args.ini)
    try:
        loader.get_settings("filter:" + args.filter)
    except LookupError:
        raise CommandError(f"{args.ini} has no [filter:{args.filter}] section (egg:svc#auth)") from None
    if args.command in ("init", "migrate", "rotate-secret"):
        return _setup(loader, args)
    service = loader.get_wsgi_filter(args.filter).service
    if args.command == "grant":
        check_public_grant(args.subject, args.permission, args.force)
    if args.command == "grant" and not args.force:
        # The permissions the ini's apps check, learned from the app it serves, as the filter does.
        try:
            app = loader.get_wsgi_app()
        except LookupError as exc:
            raise CommandError(f"cannot load the app of {args.ini} to learn its permissions ({exc}); see --force") from None
        check_grantable(args.permission, known_permissions(app, service.settings))
    COMMANDS[args.command](service, args)


def _setup(loader, args):
    """init and migrate work before the secret or the schema exist."""
    settings = loader.get_settings("filter:" + args.filter)
    own = {key: value for key, value in settings.items() if key != "use"}  # use is PasteDeploy's
    values = read_auth_settings(settings.global_conf, own)
    if args.command == "rotate-secret":
        if not values.secret_file:
            raise CommandError("rotate-secret writes svc.auth.secret_file, which this ini does not set")
        try:
            count = migrate.rotate_secret_file(values.secret_file)
        except OSError as exc:
            raise CommandError(f"cannot rotate {values.secret_file}: {exc}") from None
        print(
            f"{values.secret_file} now signs with a new secret; {count - 1} older one(s) still verify.\n"
            "Next: a rolling restart of every instance (each then signs with the new secret); once all run it,\n"
            "and after svc.auth.lifetime has passed, delete the old lines from the file and restart again."
        )
        return
    if args.command == "init" and values.secret_file:
        if migrate.write_secret_file(values.secret_file):
            print(f"wrote a new secret to {values.secret_file} (mode 600)")
        else:
            print(f"secret file {values.secret_file} exists; kept")
    print(f"database schema at {migrate.upgrade_database(values.db_url)}")


def read_password(prompt="Password: "):
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise CommandError("the passwords differ")
        return first
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _users(service, args):
    if args.action == "add":
        password = None if args.no_password else read_password()
        if password == "":
            raise CommandError("the password is empty; --no-password adds a user who signs in with API tokens only")
        service.admin.add_user(args.name, password, actor=CLI)
        print(f"added user {args.name}")
    elif args.action == "remove":
        service.admin.remove_user(args.name, actor=CLI)
        print(f"removed user {args.name}")
    elif args.action == "passwd":
        service.store.user(args.name)  # fail before asking for a password
        service.admin.set_password(args.name, read_password(), actor=CLI)
        print(f"password of {args.name} set; their sessions ended")
    else:
        _table(
            ("user", "groups", "permissions", "password", "tokens", "sessions", "created"),
            [
                (u["name"], ",".join(u["groups"]), ",".join(u["permissions"]), "yes" if u["has_password"] else "no",
                 u["tokens"], u["sessions"], _when(u["created_at"]))
                for u in service.store.users()
            ],
        )


def _groups(service, args):
    if args.action == "add":
        service.admin.add_group(args.name, actor=CLI)
        print(f"added group {args.name}")
    elif args.action == "remove":
        service.admin.remove_group(args.name, actor=CLI)
        print(f"removed group {args.name}")
    elif args.action == "add-member":
        service.admin.add_member(args.group, args.user, actor=CLI)
        print(f"{args.user} is in {args.group}")
    elif args.action == "remove-member":
        service.admin.remove_member(args.group, args.user, actor=CLI)
        print(f"{args.user} is no longer in {args.group}")
    else:
        _table(
            ("group", "members", "permissions"),
            [(g["name"], ",".join(g["members"]), ",".join(g["permissions"])) for g in service.store.groups()],
        )


def _grant(service, args):
    service.admin.grant(args.subject, args.permission, actor=CLI)
    print(f"granted {args.permission} to {args.subject}")


def _revoke(service, args):
    service.admin.revoke(args.subject, args.permission, actor=CLI)
    print(f"revoked {args.permission} from {args.subject}")


def _grants(service, args):
    _table(("subject", "permission"), [(g["subject"], g["permission"]) for g in service.store.grants()])


def _tokens(service, args):
    if args.action == "create":
        if args.expires_in is not None and args.expires_in <= 0:
            raise CommandError("--expires-in is a positive number of seconds")
        token, info = service.admin.create_token(args.user, args.label, args.expires_in, actor=CLI)
        print(f"token {info.id} for {info.user} (shown only now; keep it secret):", file=sys.stderr)
        print(token)
    elif args.action == "list":
        _table(
            ("id", "user", "label", "starts", "created", "expires"),
            [
                (t.id, t.user, t.label, t.hint + "…", _when(t.created_at), _when(t.expires_at) if t.expires_at else "never")
                for t in service.store.tokens(args.user)
            ],
        )
    else:
        service.admin.revoke_token(args.id, actor=CLI)
        print(f"revoked token {args.id}")


def _sessions(service, args):
    count = service.admin.revoke_sessions(args.user, actor=CLI)
    print(f"ended {count} session(s) of {args.user}")


def _import(service, args):
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {args.file}: {exc}") from None
    report = service.admin.import_htpasswd(text, actor=CLI)
    for kind in ("added", "updated", "unchanged"):
        if report[kind]:
            print(f"{kind}: {' '.join(report[kind])}")
    for refused in report["refused"]:
        print(f"refused line {refused['line']} ({refused['user']}): {refused['reason']}", file=sys.stderr)
    if report["refused"]:
        raise CommandError(f"{len(report['refused'])} line(s) refused")


def _audit(service, args):
    after = None
    while True:  # page through, so a long log is never held in memory at once
        entries = service.audit.entries(since=args.since, after=after, limit=1000)
        for entry in entries:
            print(json.dumps(entry, sort_keys=True))
        if len(entries) < 1000:
            return
        after = entries[-1]["id"]


_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _since(text):
    """--since as Unix seconds: a number, an ISO 8601 date or time, or a duration back from now."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text[:-1].isdigit() and text[-1:] in _DURATION:
        return int(time.time()) - int(text[:-1]) * _DURATION[text[-1]]
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not Unix seconds, an ISO 8601 time (2024-05-01T12:00) or a duration (90m, 12h, 7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


COMMANDS = {
    "audit": _audit,
    "users": _users,
    "groups": _groups,
    "grant": _grant,
    "revoke": _revoke,
    "grants": _grants,
    "tokens": _tokens,
    "sessions": _sessions,
    "import-htpasswd": _import,
}


def _when(seconds):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))


def _table(headings, rows):
    rows = [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headings)]
    for row in [headings, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
