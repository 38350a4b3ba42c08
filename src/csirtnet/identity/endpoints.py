"""The identity API: me, users, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject, require
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotAuthenticated
from csirtnet.identity import repository, service, tokens
from csirtnet.identity.schemas import TokenCreate, TokenCreated, TokenRead, UserCreate, UserRead, UserUpdate
from csirtnet.kit.pagination import Page, page_of, paginate
from csirtnet.models import ApiToken, User

router = APIRouter(tags=["identity"])


def _read(user: User) -> UserRead:
    return UserRead.model_validate(
        {**{c: getattr(user, c) for c in UserRead.model_fields if c != "roles"}, "roles": sorted(user.roles)}
    )


def _me(session: DbSession, who: Subject) -> User:
    if who.user_id is None:
        raise NotAuthenticated()
    user = session.get(User, who.user_id)
    if user is None:
        raise NotAuthenticated()
    return user


@router.get("/me", response_model=UserRead)
def me(session: Session, who: ApiUser) -> UserRead:
    """The calling user."""
    require(who, Permission.PROFILE_READ)
    return _read(_me(session, who))


@router.get("/users", response_model=Page[UserRead])
def list_users(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    organisation_id: int | None = None,
    active: bool | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[UserRead]:
    """Users the caller may see; search by name or email without accents."""
    rows, next_cursor = paginate(
        session,
        repository.users(who, q=q, organisation_id=organisation_id, active=active),
        User.id,
        limit=limit,
        cursor=cursor,
    )
    return Page[UserRead](items=[_read(u) for u in rows], next_cursor=next_cursor)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, session: Session, who: ApiUser) -> UserRead:
    """Create a user; without a password an invitation link is emailed."""
    return _read(service.create_user(session, who, body))


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: int, session: Session, who: ApiUser) -> UserRead:
    """One user; a user out of the caller's reach answers 404, like a missing one."""
    return _read(service.get_user(session, who, user_id))


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(user_id: int, body: UserUpdate, session: Session, who: ApiUser) -> UserRead:
    """Change a user's email, name, roles, language, time zone or status (authz.identity decides who may)."""
    return _read(service.update_user(session, who, user_id, body))


@router.get("/tokens", response_model=Page[TokenRead])
def list_tokens(
    session: Session,
    who: ApiUser,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TokenRead]:
    """The caller's API tokens, newest first (never their secrets)."""
    require(who, Permission.PROFILE_READ)
    return page_of(
        TokenRead,
        paginate(session, tokens.user_tokens_query(_me(session, who)), ApiToken.id, limit=limit, cursor=cursor),
    )


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, session: Session, who: ApiUser) -> TokenCreated:
    """Create a scoped API token; the secret is in this response only."""
    require(who, Permission.PROFILE_WRITE)
    issued = tokens.create_token(
        session,
        who,
        _me(session, who),
        name=body.name,
        scopes=body.scopes,
        expires_in_days=body.expires_in_days,
    )
    return TokenCreated.model_validate({**TokenRead.model_validate(issued.row).model_dump(), "token": issued.token})


@router.delete("/tokens/{token_id}", response_model=TokenRead)
def revoke_token(token_id: int, session: Session, who: ApiUser) -> TokenRead:
    """Revoke an API token."""
    require(who, Permission.PROFILE_WRITE)
    return TokenRead.model_validate(tokens.revoke_token(session, who, token_id))
