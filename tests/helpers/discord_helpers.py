"""Helpers for the Discord tests: what the bot sent, who it would notify, its buttons, and the rows it stored."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import simcord

if TYPE_CHECKING:
    from bot.discord_app.bot import FaqBot

NO_PINGS = {"parse": []}
# An answer channel id for the bot's constructor (so it asks for the message-content intent); replace it once the
# real channel exists.
PLACEHOLDER_CHANNEL_ID = 1
# A resolve or a reload re-indexes and re-calibrates the knowledge in a worker thread (seconds on a busy machine):
# tests that wait for one give the simulated Discord this long to settle (@pytest.mark.simcord(settle_timeout=...)).
REFIT_SETTLE_SECONDS = 60.0


def allows_no_pings(payload: dict[str, Any]) -> bool:
    """Whether a sent payload's allowed_mentions lets nobody be pinged: {"parse": []}, plus replied_user false."""
    allowed = dict(payload.get("allowed_mentions") or {"parse": None})
    if allowed.pop("replied_user", False):
        return False
    return allowed == NO_PINGS


@dataclass(frozen=True)
class World:
    """One guild with #general, a mentor and an editor role, and three members (built by the `world` fixture)."""

    env: simcord.Env
    bot: FaqBot
    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    mentor_role: simcord.RoleHandle
    editor_role: simcord.RoleHandle
    alice: simcord.MemberActor  # a plain member
    mona: simcord.MemberActor  # a mentor
    eddie: simcord.MemberActor  # an editor

    @property
    def db(self) -> Path:
        """The bot's SQLite file."""
        return self.bot.store.path


def sent_payloads(env: simcord.Env) -> list[dict[str, Any]]:
    """JSON bodies of every message-creating REST call the bot made (public API: env.http_requests)."""
    out: list[dict[str, Any]] = []
    for request in env.http_requests:
        if request.method == "POST" and request.path.endswith("/messages"):  # channel.send / reply
            out.append(request.json or {})
        elif request.method == "POST" and request.path.endswith("/callback"):
            if (request.json or {}).get("type") in (4, 7):  # response.send_message / edit_message
                out.append(request.json.get("data") or {})
        elif request.method in ("POST", "PATCH") and request.path.startswith("/webhooks/"):
            out.append(request.json or {})  # followup.send / edit_original_response
    return out


@dataclass(frozen=True)
class Notified:
    """Who Discord would actually notify for one message, after allowed_mentions and permissions."""

    message_id: int
    users: tuple[int, ...]
    roles: tuple[int, ...]
    everyone: bool

    @property
    def anyone(self) -> bool:
        """Whether the message pings anybody at all."""
        return bool(self.users or self.roles or self.everyone)


def notified_by_bot(env: simcord.Env) -> list[Notified]:
    """Every message the bot authored, with its pings. INTERNAL simcord backend model (not public API)."""
    assert env.bot.user is not None
    bot_id = env.bot.user.id
    return [
        Notified(message.id, tuple(message.ping_user_ids), tuple(message.ping_role_ids), bool(message.mention_everyone))
        for channel_messages in env.backend.messages.values()
        for message in channel_messages.values()
        if message.author_id == bot_id
    ]


def pinged_user_ids(env: simcord.Env, message: discord.Message | simcord.ResponseMessage) -> list[int]:
    """The users Discord would notify for this message. INTERNAL backend model (not public simcord API)."""
    channel_id = message.channel_id if isinstance(message, simcord.ResponseMessage) else message.channel.id
    return list(env.backend.get_message(channel_id, message.id).ping_user_ids)


def buttons(message: simcord.ResponseMessage | discord.Message) -> list[dict[str, Any]]:
    """A message's buttons as wire dicts (label, custom_id, style, emoji), in order."""
    if isinstance(message, simcord.ResponseMessage):
        return [component for row in message.components for component in row["components"]]
    return [child.to_dict() for row in message.components for child in row.children]  # type: ignore[union-attr]


def custom_ids(message: simcord.ResponseMessage | discord.Message) -> list[str]:
    """The custom ids of a message's buttons, in order."""
    return [button["custom_id"] for button in buttons(message)]


def vote_ids(entry_id: str) -> list[str]:
    """The custom ids of the 👍 / 👎 buttons under an answer for this entry."""
    return [f"faqbot:vote:up:{entry_id}", f"faqbot:vote:down:{entry_id}"]


def bot_replies(channel: simcord.ChannelHandle, env: simcord.Env) -> list[discord.Message]:
    """The bot's public messages in a channel, oldest first."""
    assert env.bot.user is not None
    return [message for message in channel.history() if message.author.id == env.bot.user.id]


def rows(db_path: Path, sql: str, parameters: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    """Read the bot's SQLite database from the test, as a user of the data would (committed rows only)."""
    connection = sqlite3.connect(db_path)
    try:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, parameters).fetchall()]
    finally:
        connection.close()


def queued_questions(db_path: Path) -> list[dict[str, Any]]:
    """The editors' queue: every questions row joined with where it was asked, oldest first."""
    return rows(
        db_path,
        """
        SELECT q.text, q.kind, q.ask_count, q.best_entry_id, q.rejected_entry_id,
               a.origin, a.guild_id, a.channel_id, a.message_id, a.jump_url
        FROM questions q JOIN question_asks a ON a.question_id = q.id
        ORDER BY a.id
        """,
    )


def asks(db_path: Path) -> list[dict[str, Any]]:
    """The statistics rows (one per question counted), oldest first."""
    return rows(db_path, "SELECT origin, status, entry_id FROM asks ORDER BY id")


def votes(db_path: Path) -> list[dict[str, Any]]:
    """The stored votes, oldest first."""
    return rows(db_path, "SELECT message_id, entry_id, question, user_hash, vote FROM feedback ORDER BY id")


def configure_discord(bot: FaqBot, **changes: Any) -> None:
    """Change the running bot's Discord settings (the config is frozen: replace it), e.g. real channel ids."""
    bot.config = replace(bot.config, discord=replace(bot.config.discord, **changes))


EDITOR_COMMANDS = ("unanswered", "knowledge", "stats")


def grant_editor_commands(env: simcord.Env, guild: simcord.GuildHandle, *targets: Any) -> None:
    """What a server admin does in Server Settings → Integrations: let a role (or member) use the editor commands.

    The editor commands are hidden from everyone without Manage Server until then. Reads the synced commands from
    simcord's backend (INTERNAL: not public simcord API).
    """
    for name in EDITOR_COMMANDS:
        command = env.backend.find_command(name, None, type=1) or env.backend.find_command(name, guild.id, type=1)
        guild.set_command_permissions(int(command["id"]), dict.fromkeys(targets, True))
