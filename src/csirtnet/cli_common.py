"""What the domains' CLI sub-apps share: who is acting (`--as EMAIL`, else the platform itself),
how a command fails (a red line on standard error and an exit code, naming the field an invalid
input or a refusal names), a unit of work acting as that subject, and the progress bar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from csirtnet.authz import Subject

err = Console(stderr=True, highlight=False, soft_wrap=True)

AsUser = Annotated[str | None, typer.Option("--as", help="Email of the user acting (default: the platform itself)")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error; the caller raises what this returns."""
    err.print(f"[red]error:[/red] {message}", markup=True)
    return typer.Exit(code)


def problem_text(exc: Exception) -> str:
    """What a refusal says: each field an AppError names with its message, or the first field of an
    invalid input (pydantic), or the error's own sentence."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    errors = getattr(exc, "errors", None) or []
    return "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc)


def refusal(exc: Exception) -> typer.Exit:
    """`fail` with what the refusal says (`problem_text`); the caller raises what this returns."""
    return fail(problem_text(exc))


@contextmanager
def acting(as_user: str | None, *, write: bool = True) -> Iterator[tuple[Session, Subject]]:
    """A unit of work and the subject acting in it (`--as`, else the platform). A refusal or an
    invalid input inside it rolls everything back and becomes the command's error line."""
    from pydantic import ValidationError

    from csirtnet.cli import database
    from csirtnet.errors import AppError

    try:
        with database().unit_of_work(write=write) as session:
            yield session, acting_subject(session, as_user)
    except (AppError, ValidationError) as exc:
        raise refusal(exc) from None


def acting_subject(session: Session, email: str | None) -> Subject:
    """The subject a command acts as: the user named by `--as` (their rights apply and the audit
    names them), else the platform itself."""
    from sqlalchemy import func, select

    from csirtnet.authz import Subject
    from csirtnet.identity.service import subject_for
    from csirtnet.models import User

    if email is None:
        return Subject.system("cli")
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        raise fail(f"no active user {email}")
    return subject_for(user)


def progress_bar() -> Progress:
    """A progress bar on standard error (standard output stays for what the command prints)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
