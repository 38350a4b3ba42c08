"""The front door: `/` and the favicon.

Public on purpose (app.py PUBLIC_MODULES): a visitor without an account must learn what the
network is and find the public incident report form, the membership application and the login;
and every page, the login page included, shows the favicon. A logged-in person gets their home
page at the same address (web.views.home), behind the same checks as every other page.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import Response

from csirtnet.auth.deps import LoginRequired, Session, page_user
from csirtnet.web.render import render
from csirtnet.web.views.home import home_page

router = APIRouter(include_in_schema=False)


@router.get("/")
def front(request: Request, session: Session) -> Response:
    """The home page of a logged-in person; the landing page for everyone else."""
    try:
        who = page_user(request, session)  # redirects to 2FA enrolment when the roles need it
    except LoginRequired:
        return render(request, "landing.html")
    return home_page(request, session, who)


@router.get("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for by this name: static/favicon.svg drawn at 16, 32 and 48 px (pages
    link the SVG itself)."""
    return Response(_ICON, media_type="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})


_ICON = resources.files("csirtnet.web").joinpath("static/favicon.ico").read_bytes()
