"""The `csirtnet` command: everything an operator does. Each domain mounts its own sub-app."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from csirtnet.config import get_settings
from csirtnet.db import Database, init_database

if TYPE_CHECKING:
    from csirtnet.models import User

app = typer.Typer(
    help="csirtnet — coordination platform of a national incident-response network",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
user_app = typer.Typer(help="Users", no_args_is_help=True)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(jobs_app, name="jobs")

console = Console()
err = Console(stderr=True)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def database() -> Database:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return init_database(settings.resolved_database_url)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


# -- database --------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the configured database to the newest schema (or REVISION)."""
    from csirtnet.migrate import current_revision, upgrade

    db = database()
    upgrade(db.engine, revision)
    with db.engine.connect() as conn:
        console.print(f"database at revision [bold]{current_revision(conn)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the code's."""
    from csirtnet.migrate import current_revision, head_revision

    with database().engine.connect() as conn:
        console.print(f"database: {current_revision(conn)}  code: {head_revision()}")


def ensure_schema(db: Database) -> None:
    from csirtnet.migrate import current_revision, head_revision, upgrade

    with db.engine.connect() as conn:
        current = current_revision(conn)
    if current != head_revision():
        upgrade(db.engine)


# -- serving ---------------------------------------------------------------------------------


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: Annotated[bool, typer.Option(help="Load the demo network first if the database is empty")] = False,
    workers: Annotated[int, typer.Option(help="Web processes (PostgreSQL only)")] = 1,
) -> None:
    """Run the web app (and, by default, the in-process job worker)."""
    import uvicorn

    from csirtnet.logging_setup import configure

    settings = get_settings()
    if "base_url" not in settings.model_fields_set:
        # Links in emails point where this server answers, unless CSIRTNET_BASE_URL says otherwise
        # (behind a proxy or TLS). Through the environment it reaches the --workers processes too.
        os.environ["CSIRTNET_BASE_URL"] = serving_url(host, port)
        get_settings.cache_clear()
        settings = get_settings()
    configure(settings.log_level, settings.log_json)
    db = database()
    ensure_schema(db)
    url = settings.base_url.rstrip("/") + "/"
    if demo:
        from csirtnet.demo import demo_logins, load_demo

        with db.unit_of_work() as session:
            load_demo(session)
            logins = demo_logins(session)
        print_logins(logins, url)
    first_admin(db)
    err.print(f"csirtnet is at [bold]{url}[/bold]  (listening on {host}:{port}; Ctrl-C stops it)")
    if workers > 1:
        from csirtnet.serving import run_workers

        try:
            status = run_workers(host, port, workers, proxy_headers=True)
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        raise typer.Exit(status)
    from csirtnet.serving import make_server

    config = uvicorn.Config(
        "csirtnet.app:create_app", factory=True, host=host, port=port, log_config=None, proxy_headers=True
    )
    make_server(config).run()


def first_admin(db: Database) -> None:
    """With no user at all, create the first platform admin (password from the environment, or printed)."""
    from csirtnet.bootstrap import ensure_first_admin

    with db.unit_of_work() as session:
        created = ensure_first_admin(session, get_settings())
    if created is not None:
        email, password = created
        if password:
            err.print(
                f"first platform admin: [bold]{email}[/bold] password [bold]{password}[/bold] "
                "(shown once; change it after logging in)"
            )
        else:
            err.print(f"first platform admin: [bold]{email}[/bold] (password from CSIRTNET_ADMIN_PASSWORD)")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker threads in this process")] = 2,
    once: Annotated[bool, typer.Option(help="Run what is ready, then exit")] = False,
    stage: Annotated[
        str | None,
        typer.Option(
            help="Run stages of the feed pipeline over NATS JetStream instead: parse, enrich, store, "
            "several (enrich,store) or all"
        ),
    ] = None,
    stage_threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help="With --stage: threads a batch's work may use (default 1: scale with processes, one per core; "
            "POLARS_MAX_THREADS, when set, is the default)",
        ),
    ] = None,
) -> None:
    """Run background jobs in this process (start several for more throughput), or with --stage one
    or more stages of the feed pipeline over NATS (CSIRTNET_NATS_URL; start any number per stage)."""
    import signal
    import threading

    from csirtnet.logging_setup import configure
    from csirtnet.worker import Worker

    settings = get_settings()
    if stage is not None:
        from csirtnet.feeds.nats.topology import stages_named

        try:
            stages = stages_named(stage)
        except ValueError as exc:
            raise fail(str(exc)) from None
        # Before polars is first imported (below), which reads it once. A stage worker is a unit of
        # scaling: N single-threaded processes did more than one process with N threads
        # (docs/benchmarks.md, "Feeds").
        if stage_threads is not None:
            os.environ["POLARS_MAX_THREADS"] = str(stage_threads)
        else:
            os.environ.setdefault("POLARS_MAX_THREADS", "1")
        configure(settings.log_level, settings.log_json)
        from csirtnet.feeds.nats.worker import run_stages

        raise typer.Exit(run_stages(stages, settings=settings, db=database()))
    configure(settings.log_level, settings.log_json)
    db = database()
    if once:
        ran = Worker(db, lease_seconds=settings.job_lease_seconds).run_until_idle()
        console.print(f"ran {ran} job(s)")
        return
    workers = [
        Worker(db, lease_seconds=settings.job_lease_seconds, name=f"{os.getpid()}-{i}") for i in range(concurrency)
    ]
    threads = [
        threading.Thread(target=w.run_forever, args=(settings.worker_poll_seconds,), daemon=True) for w in workers
    ]
    stop = threading.Event()

    def shutdown(*_: object) -> None:
        for w in workers:
            w.stop()
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    for t in threads:
        t.start()
    err.print(f"worker running with {concurrency} thread(s)")
    stop.wait()
    for t in threads:
        t.join(timeout=30)


# -- demo ------------------------------------------------------------------------------------


@app.command()
def demo() -> None:
    """Load the demo network (coordinator, alliance members, cluster no. 1, users of every role)."""
    from csirtnet.demo import demo_logins, load_demo

    db = database()
    ensure_schema(db)
    with db.unit_of_work() as session:
        load_demo(session)
        logins = demo_logins(session)
    print_logins(logins, get_settings().base_url.rstrip("/") + "/")


def serving_url(host: str, port: int) -> str:
    """The address a server started on `host`:`port` answers at (a wildcard host: this machine's name)."""
    import socket

    name = socket.getfqdn() if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - comparing, not binding
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # an IPv6 address
    return f"http://{name}:{port}"


def print_logins(logins: list[tuple[str, str, str]], url: str) -> None:
    """The demo's logins, on every start, with where to use them."""
    if not logins:
        err.print("the demo logins were removed or deactivated")
        return
    table = Table(title=f"Demo logins: open {url} and log in")
    table.add_column("role")
    table.add_column("email")
    table.add_column("password")
    for role, email, password in logins:
        table.add_row(role, email, password)
    err.print(table)
    err.print("Coordinators and admins set up a second factor (an authenticator app) when they first log in.")


# -- users and tokens ------------------------------------------------------------------------


@user_app.command("create")
def user_create(
    email: str,
    full_name: Annotated[str, typer.Option("--name")],
    organisation: Annotated[str, typer.Option(help="Organisation id or member code")],
    role: Annotated[list[str], typer.Option(help="Repeat for several roles")] = ["viewer"],  # noqa: B006
    password: Annotated[str | None, typer.Option(help="Omit to be asked; '-' emails an invitation")] = None,
) -> None:
    """Create a user."""
    from csirtnet.authz import Subject
    from csirtnet.errors import AppError
    from csirtnet.identity.schemas import UserCreate
    from csirtnet.identity.service import create_user
    from csirtnet.models import Organisation
    from csirtnet.vocabulary import Role

    if password is None:
        password = getpass.getpass("password (empty to email an invitation): ") or "-"
    db = database()
    try:
        with db.unit_of_work() as session:
            org = session.scalar(select(Organisation).where(Organisation.member_code == organisation))
            if org is None and organisation.isdigit():
                org = session.get(Organisation, int(organisation))
            if org is None:
                raise fail(f"no organisation {organisation!r}")
            data = UserCreate(
                email=email,
                full_name=full_name,
                organisation_id=org.id,
                roles=[Role(r) for r in role],
                password=None if password == "-" else password,  # noqa: S105 - "-" means "invite"
            )
            user = create_user(session, Subject.system("cli"), data)
            session.flush()
            console.print(f"created user {user.id} {user.email} roles={sorted(user.roles)}")
    except AppError as exc:
        raise fail(exc.message) from exc
    except ValueError as exc:
        raise fail(str(exc)) from exc


@user_app.command("list")
def user_list(q: Annotated[str | None, typer.Option(help="Search name or email")] = None) -> None:
    """List users."""
    from csirtnet.authz import Subject
    from csirtnet.identity.repository import users

    table = Table()
    for col in ("id", "email", "name", "organisation", "roles", "2FA", "active"):
        table.add_column(col)
    with database().unit_of_work(write=False) as session:
        for u in session.scalars(users(Subject.system("cli"), q=q).order_by("name_sort")):
            table.add_row(
                str(u.id),
                u.email,
                u.full_name,
                u.organisation.short_name or u.organisation.name,
                ",".join(sorted(u.roles)),
                "yes" if u.totp_enabled else "no",
                "yes" if u.is_active else "no",
            )
    console.print(table)


@user_app.command("reset-password")
def user_reset_password(
    email: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Set the password read from standard input instead")
    ] = False,
) -> None:
    """Print a one-time link to set a new password (CSIRTNET_BASE_URL), or set one from stdin."""
    from csirtnet.authz import Subject
    from csirtnet.errors import AppError
    from csirtnet.identity.login import operator_reset_link, set_password

    password = sys.stdin.read().rstrip("\r\n") if password_stdin else None
    try:
        with database().unit_of_work() as session:
            user = _user_by_email(session, email)
            if password is not None:
                set_password(session, Subject.system("cli"), user, password)
                message = f"the password of {user.email} is set; their sessions are ended"
            else:
                message = operator_reset_link(session, Subject.system("cli"), user)
    except AppError as exc:
        raise fail(exc.message) from exc
    console.print(message, soft_wrap=True)


@user_app.command("reset-2fa")
def user_reset_second_factor(email: str) -> None:
    """Remove a user's second factor (they set up a new one at their next login)."""
    from csirtnet.authz import Subject
    from csirtnet.errors import AppError
    from csirtnet.identity.login import reset_totp

    try:
        with database().unit_of_work() as session:
            user = _user_by_email(session, email)
            reset_totp(session, Subject.system("cli"), user)
            address = user.email
    except AppError as exc:
        raise fail(exc.message) from exc
    console.print(f"the second factor of {address} is removed; they set up a new one at their next login")


def _user_by_email(session: DbSession, email: str) -> User:
    from csirtnet.models import User

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise fail(f"no user with the email {email!r}")
    return user


@token_app.command("create")
def token_create(
    email: str,
    name: Annotated[str, typer.Option()],
    scope: Annotated[list[str], typer.Option(help="Repeat for several scopes")],
    days: Annotated[int, typer.Option(help="Days until it expires")] = 90,
) -> None:
    """Create an API token for a user; prints the secret once."""
    from csirtnet.errors import AppError
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.models import User

    try:
        with database().unit_of_work() as session:
            user = session.scalar(select(User).where(User.email == email.lower()))
            if user is None:
                raise fail(f"no user {email}")
            issued = create_token(session, subject_for(user), user, name=name, scopes=scope, expires_in_days=days)
    except AppError as exc:
        raise fail(exc.message) from exc
    console.print(issued.token)


# -- audit -----------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit hash chain; exit status 0 only when it is intact."""
    from csirtnet.audit import verify_chain

    with database().unit_of_work(write=False) as session:
        checked, broken = verify_chain(session)
    if broken is None:
        console.print(f"audit chain intact: {checked} record(s)")
        return
    err.print(
        f"[red]audit chain broken at record {broken.seq}:[/red] {broken.reason} "
        f"({checked} record(s) before it are intact)"
    )
    raise typer.Exit(1)


# -- jobs ------------------------------------------------------------------------------------


@jobs_app.command("list")
def jobs_list(status: str | None = None, limit: int = 30) -> None:
    """Show recent jobs."""
    from csirtnet.models import Job

    table = Table()
    for col in ("id", "name", "status", "attempts", "run after", "error"):
        table.add_column(col)
    with database().unit_of_work(write=False) as session:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if status:
            query = query.where(Job.status == status)
        for j in session.scalars(query):
            table.add_row(
                str(j.id),
                j.name,
                j.status,
                f"{j.attempts}/{j.max_attempts}",
                j.run_after.isoformat(timespec="seconds"),
                (j.last_error or "")[:60],
            )
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: int) -> None:
    """Queue a failed job again."""
    from csirtnet import audit
    from csirtnet.authz import Subject
    from csirtnet.worker import retry

    with database().unit_of_work() as session:
        row = retry(session, job_id)
        if row is None:
            raise fail(f"job {job_id} is not a failed job")
        audit.record(session, Subject.system("cli"), "job.retried", row, name=row.name)
    console.print(f"job {job_id} queued again")


# -- backup and restore ----------------------------------------------------------------------


@app.command()
def backup(file: Path) -> None:
    """Write one archive: a consistent copy of the database and every stored file, with checksums."""
    from csirtnet.ops.backup import write_backup

    settings = get_settings()
    with progress() as bar:
        task = bar.add_task("backing up", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        manifest = write_backup(database(), settings.data_dir, file, on_progress=tick)
    console.print(
        f"backup written to {file}: {sum(t['rows'] for t in manifest['tables'].values())} rows "
        f"in {len(manifest['tables'])} tables, {len(manifest['files'])} file(s)"
    )


@app.command()
def restore(
    file: Path, force: Annotated[bool, typer.Option(help="Restore even if the target is not empty")] = False
) -> None:
    """Recreate an instance from a backup into an empty data directory or database, then verify it."""
    from csirtnet.ops.backup import RestoreError, restore_backup

    settings = get_settings()
    try:
        with progress() as bar:
            task = bar.add_task("restoring", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = restore_backup(database(), settings.data_dir, file, on_progress=tick, force=force)
    except RestoreError as exc:
        raise fail(str(exc)) from exc
    console.print(json.dumps(report, indent=2))


# Each domain's Typer sub-app: (module holding `app`, command name),
# e.g. ("csirtnet.organisation.cli", "org").
DOMAIN_CLIS: list[tuple[str, str]] = [
    ("csirtnet.organisation.cli", "org"),
    ("csirtnet.organisation.cli_constituency", "constituency"),
    ("csirtnet.incident.cli", "incident"),
    ("csirtnet.incident.cli_intake", "intake"),
    ("csirtnet.evidence.cli", "evidence"),
    ("csirtnet.advisory.cli", "advisory"),
    ("csirtnet.exercise.cli", "exercise"),
    ("csirtnet.intel.cli", "intel"),
    ("csirtnet.feeds.cli", "feed"),
    ("csirtnet.mobilisation.cli", "mobilisation"),
    ("csirtnet.cluster.cli", "cluster"),
]


def _mount_domains() -> None:
    import importlib

    for module, name in DOMAIN_CLIS:
        app.add_typer(importlib.import_module(module).app, name=name)


_mount_domains()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
