"""What the domains' CLI sub-apps share: who is acting (`--as EMAIL`, else the platform itself),
how a command fails (a red line on standard error and an exit code), and the progress bar."""

from __future__ import annotations

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
