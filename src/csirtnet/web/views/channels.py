"""Pages of channels: the channels you belong to, a channel's threads, a thread's messages (each
TLP-marked and shown only to those its marking allows), posting with mentions and attachments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files
from csirtnet.cluster import reads as cluster_reads
from csirtnet.cluster.channel import repository, service
from csirtnet.cluster.channel.schemas import ChannelCreate, ChannelUpdate, MessageCreate, ThreadCreate
from csirtnet.i18n import N_, translate
from csirtnet.models import Organisation
from csirtnet.organisation import reads as organisation_reads
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import render, request_language
from csirtnet.web.views import cluster_forms as cf
from csirtnet.web.views.clusters import close_uploads, common, done, store_files

router = APIRouter(include_in_schema=False)


def tlp_choices(request: Request, markings: list[str]) -> list[tuple[str, str]]:
    """The TLP radios: each marking with whom it reaches, in the reader's language."""
    language = request_language(request)
    return [(m, f"TLP:{m.upper()} — {translate(language, labels.TLP_HELP[m])}") for m in markings]


def _list_page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status: int = 200
) -> Response:
    channels = [service.channel_read(session, who, c) for c in repository.member_channels(session, who)]
    may_create = cluster_authz.can_open_channels(session, who)
    clusters = cluster_reads.clusters_among(session, cluster_authz.led_or_all_cluster_ids(session, who))
    organisations: list[Organisation] = []
    if may_create:
        audience = cluster_authz.channel_audience_organisation_ids(session, who)
        organisations = organisation_reads.organisations_among(session, audience)
    may_create_network = cluster_authz.can_open_network_channels(who)
    kinds = [("topic", labels.CHANNEL_KINDS["topic"])]
    if may_create_network:
        kinds.append(("network", labels.CHANNEL_KINDS["network"]))
    return render(
        request,
        "channels/list.html",
        {
            **common(request),
            "channels": channels,
            "may_create": may_create,
            "may_create_network": may_create_network,
            "kind_choices": kinds,
            "cluster_choices": [(c.id, c.name) for c in clusters],
            "organisation_choices": [(o.id, o.name) for o in organisations],
            "form": form or cf.CHANNEL.blank({"kind": "topic"}),
        },
        status_code=status,
    )


@router.get("/channels")
def channel_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who)


@router.post("/channels")
async def channel_create(request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.CHANNEL.read(request)
    data = form.validate(ChannelCreate, cf.filled(form.values()))
    channel = form.attempt(session, lambda: service.create_channel(session, who, data)) if data else None
    if channel is None:
        return _list_page(request, session, who, form, 422)
    return done(request, f"/channels/{channel.id}", N_("The channel was opened."))


def _compose(request: Request, session: DbSession, channel: Any, info: Any) -> dict[str, Any]:
    """What the message form needs: the markings and the people one may name."""
    members = repository.channel_members(session, channel) if info.member else []
    return {
        "members": members,
        "tlp_choices": tlp_choices(request, [t.value for t in tlp.ORDER]),
    }


def _recipient_choices(members: list[Any], me: int | None) -> list[tuple[int, str]]:
    return [
        (u.id, f"{u.full_name} — {u.organisation.short_name or u.organisation.name}") for u in members if u.id != me
    ]


def _channel_page(
    request: Request,
    session: DbSession,
    who: Subject,
    channel_id: int,
    form: BoundForm | None = None,
    status: int = 200,
) -> Response:
    channel = repository.get_channel(session, who, channel_id)
    info = service.channel_read(session, who, channel)
    threads = repository.threads(session, who, channel_id)
    compose = _compose(request, session, channel, info)
    return render(
        request,
        "channels/channel.html",
        {
            **common(request),
            **compose,
            "recipient_choices": _recipient_choices(compose["members"], who.user_id),
            "ch": info,
            "threads": threads,
            "form": form or cf.THREAD.blank({"tlp": "green"}),
            "may_post": cluster_authz.can_post(session, who, channel),
        },
        status_code=status,
    )


@router.get("/channels/{channel_id}")
def channel_page(channel_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _channel_page(request, session, who, channel_id)


@router.post("/channels/{channel_id}/archive")
def channel_archive(
    channel_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    archived: Annotated[bool, Form()] = True,
) -> Response:
    service.update_channel(session, who, channel_id, ChannelUpdate(archived=archived))
    return done(
        request,
        f"/channels/{channel_id}",
        N_("The channel was archived.") if archived else N_("The channel was reopened."),
    )


@router.post("/channels/{channel_id}/threads")
async def thread_start(channel_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.THREAD.read(request)
    data = form.validate(ThreadCreate, cf.filled(form.values()))

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, form.uploads.get("files", []))
        return service.start_thread(session, who, channel_id, data.model_copy(update={"attachment_ids": ids}))

    try:
        message = form.attempt(session, change) if data else None
    finally:
        await close_uploads(request)
    if message is None:
        return _channel_page(request, session, who, channel_id, form, 422)
    thread_id = getattr(message, "thread_id", 0)
    return done(request, f"/channels/{channel_id}/threads/{thread_id}", N_("The thread was opened."))


def _thread_page(
    request: Request,
    session: DbSession,
    who: Subject,
    channel_id: int,
    thread_id: int,
    form: BoundForm | None = None,
    status: int = 200,
) -> Response:
    channel = repository.get_channel(session, who, channel_id)
    info = service.channel_read(session, who, channel)
    thread = repository.get_thread(session, who, channel_id, thread_id)
    messages = repository.thread_messages(session, who, thread)
    opening_visible = any(m.opens_thread for m in messages)
    compose = _compose(request, session, channel, info)
    marking = next((m.tlp for m in messages if m.opens_thread), messages[-1].tlp)
    return render(
        request,
        "channels/thread.html",
        {
            **common(request),
            **compose,
            "recipient_choices": _recipient_choices(compose["members"], who.user_id),
            "ch": info,
            "thread": thread,
            "title_visible": opening_visible,
            "messages": service.message_reads(session, who, messages),
            "form": form or cf.REPLY.blank({"tlp": marking}),
            "may_post": cluster_authz.can_post(session, who, channel),
        },
        status_code=status,
    )


@router.get("/channels/{channel_id}/threads/{thread_id}")
def thread_page(channel_id: int, thread_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _thread_page(request, session, who, channel_id, thread_id)


@router.post("/channels/{channel_id}/threads/{thread_id}/messages")
async def thread_reply(channel_id: int, thread_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.REPLY.read(request)
    data = form.validate(MessageCreate, cf.filled(form.values()))

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, form.uploads.get("files", []))
        return service.reply(session, who, channel_id, thread_id, data.model_copy(update={"attachment_ids": ids}))

    try:
        message = form.attempt(session, change) if data else None
    finally:
        await close_uploads(request)
    if message is None:
        return _thread_page(request, session, who, channel_id, thread_id, form, 422)
    return done(
        request,
        f"/channels/{channel_id}/threads/{thread_id}#m{getattr(message, 'id', '')}",
        N_("Your message was posted."),
    )


@router.get("/channels/{channel_id}/messages/{message_id}/attachments/{file_id}")
def attachment(channel_id: int, message_id: int, file_id: int, session: Session, who: PageUser) -> StreamingResponse:
    return files.download(repository.attachment(session, who, channel_id, message_id, file_id))
