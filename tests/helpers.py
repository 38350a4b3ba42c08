"""Shared test helpers: logging in through the real pages, reading CSRF tokens from forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyotp
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client: Any, email: str, password: str = PASSWORD, *, totp_secret: str | None = None) -> Any:
    page = client.get("/login")
    token = csrf_from(page.text)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    if r.headers["location"].startswith("/login/2fa"):
        assert totp_secret, "this user needs a second factor"
        page = client.get(r.headers["location"])
        r = client.post(
            "/login/2fa",
            data={"code": pyotp.TOTP(totp_secret).now(), "csrf_token": csrf_from(page.text), "next": "/"},
        )
        assert r.status_code == 303, r.text
    return r


def page_csrf(client: Any, path: str = "/") -> str:
    return csrf_from(client.get(path).text)


def run_cli(database: Any, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
    """Run `csirtnet ARGS` in-process against `database` (a committing one, by its URL).

    The command builds its own engine from CSIRTNET_DATABASE_URL, as an operator's shell would;
    it is disposed afterwards and the test's database put back as the current one.
    """
    from typer.testing import CliRunner

    from csirtnet import db as current
    from csirtnet.cli import app
    from csirtnet.config import get_settings

    url = database.engine.url.render_as_string(hide_password=False)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            app, list(args), input=input, env={"CSIRTNET_DATABASE_URL": url, "COLUMNS": "200", **(env or {})}
        )
    finally:
        used = current._database
        if used is not None and used is not database:
            used.engine.dispose()
        current.set_database(database)
        get_settings.cache_clear()


@contextmanager
def sql_statements(db: Session) -> Iterator[list[str]]:
    """The SQL statements the database is sent while the block runs, in order."""
    seen: list[str] = []
    engine = db.get_bind().engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
