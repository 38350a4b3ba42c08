"""Discussion channels (network, cluster, topic), threads and messages, each message TLP-marked.

Who belongs to a channel is derived (csirtnet.authz.cluster.channel_organisation_ids): the network
channel has every organisation, a cluster channel the organisations currently in the cluster, a
topic channel the organisations listed in channel_organisation.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin


class ChannelKind(StrEnum):
    NETWORK = "network"  # the whole network
    CLUSTER = "cluster"  # one per cluster; members follow the cluster's membership
    TOPIC = "topic"  # a subject, for the organisations listed


class Channel(IdMixin, Base):
    __tablename__ = "channel"

    kind: Mapped[str] = mapped_column(String(20))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class ChannelOrganisation(Base):
    """A member organisation of a topic channel."""

    __tablename__ = "channel_organisation"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)


class ChannelThread(IdMixin, Base):
    """A conversation. Its title belongs to the opening message and is shown only with it."""

    __tablename__ = "channel_thread"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelMessage(IdMixin, Base):
    """One message; never edited, so what a reader saw is what was recorded."""

    __tablename__ = "channel_message"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("channel_thread.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    author_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    tlp: Mapped[str] = mapped_column(String(20))
    opens_thread: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelMessageRecipient(Base):
    """A named recipient of a message (TLP:RED and AMBER+STRICT reach them by name)."""

    __tablename__ = "channel_message_recipient"

    message_id: Mapped[int] = mapped_column(ForeignKey("channel_message.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)


class ChannelMessageMention(Base):
    """A user mentioned in a message (@email or @Name); they were notified."""

    __tablename__ = "channel_message_mention"

    message_id: Mapped[int] = mapped_column(ForeignKey("channel_message.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)


class ChannelMessageAttachment(Base):
    __tablename__ = "channel_message_attachment"

    message_id: Mapped[int] = mapped_column(ForeignKey("channel_message.id", ondelete="CASCADE"), primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True)


class ChannelDigestState(Base):
    """Up to which message a user's daily digest has looked."""

    __tablename__ = "channel_digest_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
