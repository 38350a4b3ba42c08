"""Pages of channels: the channels you belong to, a channel's threads, a thread's messages (each
TLP-marked and shown only to those its marking allows), posting with mentions and attachments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files
from csirtnet.cluster import reads as cluster_reads
from csirtnet.cluster.channel import repository, service
from csirtnet.cluster.channel.schemas import ChannelCreate, ChannelUpdate, MessageCreate, ThreadCreate
from csirtnet.i18n import N_
from csirtnet.models import Organisation
from csirtnet.organisation import reads as organisation_reads
from csirtnet.web.forms import FormErrors, attempt
from csirtnet.web.render import render
from csirtnet.web.views.clusters import common, done, store_files, valid

router = APIRouter(include_in_schema=False)


def _list_page(
    request: Request, session: DbSession, who: Subject, errors: FormErrors, values: dict[str, Any], status: int = 200
) -> Response:
    channels = [service.channel_read(session, who, c) for c in repository.member_channels(session, who)]
    may_create = cluster_authz.can_open_channels(session, who)
    clusters = cluster_reads.clusters_among(session, cluster_authz.led_or_all_cluster_ids(session, who))
    organisations: list[Organisation] = []
    if may_create:
        audience = cluster_authz.channel_audience_organisation_ids(session, who)
        organisations = organisation_reads.organisations_among(session, audience)
    return render(
        request,
        "channels/list.html",
        {
            **common(request),
            "channels": channels,
            "may_create": may_create,
            "may_create_network": cluster_authz.can_open_network_channels(who),
            "clusters": clusters,
            "organisations": organisations,
            "errors": errors,
            "values": values,
        },
        status_code=status,
    )


@router.get("/channels")
def channel_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who, {}, {})


@router.post("/channels")
def channel_create(
    request: Request,
    session: Session,
    who: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "topic",
    name: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    cluster_id: Annotated[str, Form(max_length=12)] = "",
    organisation_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    values: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "name_en": name_en,
        "description": description,
        "cluster_id": cluster_id,
        "organisation_ids": organisation_ids or [],
    }
    errors: FormErrors = {}
    data = valid(ChannelCreate, errors, values)
    channel = attempt(session, errors, lambda: service.create_channel(session, who, data)) if data else None
    if channel is None:
        return _list_page(request, session, who, errors, values, 422)
    return done(request, f"/channels/{channel.id}", N_("The channel was opened."))


def _channel_page(
    request: Request,
    session: DbSession,
    who: Subject,
    channel_id: int,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    channel = repository.get_channel(session, who, channel_id)
    info = service.channel_read(session, who, channel)
    threads = repository.threads(session, who, channel_id)
    members = repository.channel_members(session, channel) if info.member else []
    return render(
        request,
        "channels/channel.html",
        {
            **common(request),
            "ch": info,
            "threads": threads,
            "members": members,
            "markings": [t.value for t in tlp.ORDER],
            "errors": errors or {},
            "values": values or {"tlp": "green"},
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
def thread_start(
    channel_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    tlp_marking: Annotated[str, Form(alias="tlp", max_length=30)] = "green",
    recipient_ids: Annotated[list[int] | None, Form()] = None,
    files_: Annotated[list[UploadFile] | None, File(alias="files")] = None,
) -> Response:
    values: dict[str, Any] = {
        "title": title,
        "body": body,
        "tlp": tlp_marking,
        "recipient_ids": recipient_ids or [],
    }
    errors: FormErrors = {}
    data = valid(ThreadCreate, errors, values)

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, files_ or [])
        return service.start_thread(session, who, channel_id, data.model_copy(update={"attachment_ids": ids}))

    message = attempt(session, errors, change) if data else None
    if message is None:
        return _channel_page(request, session, who, channel_id, errors, values, 422)
    thread_id = getattr(message, "thread_id", 0)
    return done(request, f"/channels/{channel_id}/threads/{thread_id}", N_("The thread was opened."))


def _thread_page(
    request: Request,
    session: DbSession,
    who: Subject,
    channel_id: int,
    thread_id: int,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    channel = repository.get_channel(session, who, channel_id)
    info = service.channel_read(session, who, channel)
    thread = repository.get_thread(session, who, channel_id, thread_id)
    messages = repository.thread_messages(session, who, thread)
    opening_visible = any(m.opens_thread for m in messages)
    members = repository.channel_members(session, channel) if info.member else []
    return render(
        request,
        "channels/thread.html",
        {
            **common(request),
            "ch": info,
            "thread": thread,
            "title_visible": opening_visible,
            "messages": service.message_reads(session, who, messages),
            "members": members,
            "markings": [t.value for t in tlp.ORDER],
            "errors": errors or {},
            "values": values or {"tlp": next((m.tlp for m in messages if m.opens_thread), messages[-1].tlp)},
            "may_post": cluster_authz.can_post(session, who, channel),
        },
        status_code=status,
    )


@router.get("/channels/{channel_id}/threads/{thread_id}")
def thread_page(channel_id: int, thread_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _thread_page(request, session, who, channel_id, thread_id)


@router.post("/channels/{channel_id}/threads/{thread_id}/messages")
def thread_reply(
    channel_id: int,
    thread_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    body: Annotated[str, Form(max_length=20_000)] = "",
    tlp_marking: Annotated[str, Form(alias="tlp", max_length=30)] = "green",
    recipient_ids: Annotated[list[int] | None, Form()] = None,
    files_: Annotated[list[UploadFile] | None, File(alias="files")] = None,
) -> Response:
    values: dict[str, Any] = {"body": body, "tlp": tlp_marking, "recipient_ids": recipient_ids or []}
    errors: FormErrors = {}
    data = valid(MessageCreate, errors, values)

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, files_ or [])
        return service.reply(session, who, channel_id, thread_id, data.model_copy(update={"attachment_ids": ids}))

    message = attempt(session, errors, change) if data else None
    if message is None:
        return _thread_page(request, session, who, channel_id, thread_id, errors, values, 422)
    return done(
        request,
        f"/channels/{channel_id}/threads/{thread_id}#m{getattr(message, 'id', '')}",
        N_("Your message was posted."),
    )


@router.get("/channels/{channel_id}/messages/{message_id}/attachments/{file_id}")
def attachment(channel_id: int, message_id: int, file_id: int, session: Session, who: PageUser) -> StreamingResponse:
    return files.download(repository.attachment(session, who, channel_id, message_id, file_id))
