"""Loopback fake Discord (REST API + gateway websocket) for end-to-end tests of the discord.py bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Handler = Callable[["_RestCall"], "_Reply"]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_VERSION = 10
API_PREFIX_RE = re.compile(r"^/api(?:/v\d+)?(?=/)")

# Opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes).
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Interaction callback types.
CB_PONG = 1
CB_CHANNEL_MESSAGE = 4
CB_DEFERRED_CHANNEL_MESSAGE = 5
CB_DEFERRED_UPDATE_MESSAGE = 6
CB_UPDATE_MESSAGE = 7

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Application command option types used when inferring option types from Python values.
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_NUMBER = 10

# Permissions granted to @everyone in the fake guild: view channel, send messages, embed links,
# attach files, read history, add reactions, use application commands, threads.
DEFAULT_PERMISSIONS = (
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31) | (1 << 35) | (1 << 38)
)


def _now_iso() -> str:
    """Return the current UTC time in Discord's ISO-8601 format."""
    return datetime.now(UTC).isoformat()


def _json_response(data: Any, status: int = 200) -> web.Response:
    """Build a JSON response with Content-Type exactly ``application/json`` (discord.py compares it)."""
    return web.Response(
        status=status,
        body=json.dumps(data, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json"},
    )


def _error(status: int, code: int, message: str) -> _Reply:
    """Build a Discord-style JSON error reply."""
    return _Reply(status, {"message": message, "code": code})


@dataclass
class RecordedRequest:
    """One HTTP request received by the fake REST API, with the reply that was sent."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[str]
    status: int = 0
    response: Any = None
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class GatewayFrame:
    """One gateway payload, either received from (``"recv"``) or sent to (``"send"``) the bot."""

    index: int
    direction: str
    connection: int
    payload: JSON
    binary: bool = False


@dataclass
class _Reply:
    """Status and JSON body (``None`` means an empty 204-style body) produced by a REST handler."""

    status: int
    body: Any = None


@dataclass
class _RestCall:
    """A parsed REST request as seen by the route handlers."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    files: list[str]
    match: re.Match[str]


@dataclass
class _Session:
    """A gateway session (survives reconnects so RESUME can replay missed dispatches)."""

    session_id: str
    seq: int = 0
    history: deque[JSON] = field(default_factory=lambda: deque(maxlen=1000))


@dataclass
class _Connection:
    """One websocket connection from the bot."""

    number: int
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None = None  # to cut the connection when a close handshake does not finish
    compressor: Any = None
    session: _Session | None = None
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class _InteractionState:
    """Server-side bookkeeping for one interaction sent to the bot."""

    payload: JSON
    responded: bool = False
    original_message_id: int | None = None


class _Snowflakes:
    """Generator of strictly increasing, timestamp-based Discord snowflakes."""

    def __init__(self) -> None:
        """Start the generator."""
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


class FakeDiscord:
    """A loopback fake of Discord's REST API and gateway that runs a discord.py 2.7 bot end to end."""

    def __init__(
        self,
        token: str | None = "fake-bot-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41_250,
        gateway_compression: bool = False,
        max_lifetime: float = 600.0,
        bot_name: str = "faqbot",
        human_name: str = "alice",
    ) -> None:
        """Prepare the fake; ids (application/bot user, guild, channel, human) are fixed per instance."""
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"FakeDiscord only binds to loopback, not {host!r}")
        self.token = token
        self.host = host
        self._requested_port = port
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.gateway_compression = gateway_compression
        self.max_lifetime = max_lifetime

        self._ids = _Snowflakes()
        self.application_id: int = self._ids.next()
        self.guild_id: int = self._ids.next()
        self.channel_id: int = self._ids.next()
        self.human_id: int = self._ids.next()
        self.bot_user: JSON = {
            "id": str(self.application_id),
            "username": bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "flags": 0,
            "public_flags": 0,
            "locale": "en-US",
        }
        self.human_user: JSON = {
            "id": str(self.human_id),
            "username": human_name,
            "discriminator": "0",
            "global_name": human_name.title(),
            "avatar": None,
            "bot": False,
            "public_flags": 0,
        }
        # GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE
        self.application_flags = (1 << 19) | (1 << 23)
        self._joined_at = _now_iso()

        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.identify_payloads: list[JSON] = []
        self.global_commands: dict[str, JSON] = {}
        self.guild_commands: dict[int, dict[str, JSON]] = {}
        self.messages: dict[int, JSON] = {}
        # More servers (guild id -> its text channel id), added with add_guild(); the ones the bot left.
        self.other_guilds: dict[int, int] = {}
        self.left_guilds: list[int] = []
        self.bot_role_id: int = self._ids.next()  # the bot's managed role in the main guild
        self._interactions: dict[int, _InteractionState] = {}
        self._interactions_by_token: dict[str, _InteractionState] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: dict[int, _Connection] = {}
        self._current: _Connection | None = None
        self._connection_numbers = 0
        self._changed = asyncio.Condition()
        self._routes = self._build_routes()
        self._failures: list[tuple[str, re.Pattern[str], int]] = []  # see fail_once()

        self._runner: web.AppRunner | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._closed = False
        self.port: int = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """Return ``http://host:port`` of the running fake."""
        return f"http://{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        """Return the REST base URL to put in ``discord.http.Route.BASE`` (``.../api/v10``)."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway websocket URL (without query) for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://{self.host}:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Return the environment variables the e2e launcher reads."""
        return {"FAQBOT_FAKE_DISCORD_HTTP": self.http_url, "FAQBOT_FAKE_DISCORD_GATEWAY": self.gateway_url}

    async def start(self) -> None:
        """Start listening on a (random free) loopback port and arm the lifetime watchdog."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_route("*", "/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        addresses = self._runner.addresses
        if not addresses:
            raise RuntimeError("FakeDiscord failed to bind a socket")
        self.port = int(addresses[0][1])
        self._watchdog = asyncio.create_task(self._lifetime_watchdog(), name="fake-discord-watchdog")
        logger.info("FakeDiscord listening on %s (gateway %s)", self.http_url, self.gateway_url)

    async def close(self) -> None:
        """Close every gateway connection and stop the server (idempotent, bounded)."""
        if self._closed:
            return
        self._closed = True
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        if self._runner is not None:  # first stop listening, so a reconnect is refused rather than left hanging
            for site in list(self._runner.sites):
                with contextlib.suppress(Exception):
                    await site.stop()
        for conn in list(self._connections.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake discord shutting down"), 2.0)
            if conn.transport is not None:  # a close handshake cut short under load must not leave it half open
                conn.transport.abort()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner.cleanup(), 5.0)
        async with self._changed:
            self._changed.notify_all()
        logger.info("FakeDiscord closed")

    async def __aenter__(self) -> FakeDiscord:
        """Start the fake for use as an async context manager."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the fake when leaving the context."""
        await self.close()

    async def _lifetime_watchdog(self) -> None:
        """Close the fake after ``max_lifetime`` seconds so a broken test can never leave it running."""
        await asyncio.sleep(self.max_lifetime)
        logger.warning("FakeDiscord reached max_lifetime=%ss, closing", self.max_lifetime)
        await self.close()

    # ------------------------------------------------------------------ waiting

    async def _notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        async with self._changed:
            self._changed.notify_all()

    async def _wait_until(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until ``check()`` returns something truthy and return it, or raise ``TimeoutError``."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                result = check()
                if result:
                    return result
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0 or self._closed:
                    seen = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-15:])
                    state = "fake closed" if self._closed else f"timed out after {timeout}s"
                    raise TimeoutError(f"{state} waiting for {what}; last requests: [{seen}]")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    def mark(self) -> int:
        """Return the index the next recorded request will get (pass it as ``since=``)."""
        return len(self.requests)

    def find_requests(
        self,
        method: str | None,
        path_regex: str,
        *,
        since: int = 0,
        predicate: Callable[[RecordedRequest], bool] | None = None,
    ) -> list[RecordedRequest]:
        """Return recorded requests matching method (``None``/``*`` any, ``A|B`` either) and path regex."""
        methods = None if method in (None, "*") else {m.strip().upper() for m in str(method).split("|")}
        pattern = re.compile(path_regex)
        return [
            r
            for r in self.requests[since:]
            if (methods is None or r.method in methods)
            and pattern.search(r.path)
            and (predicate is None or predicate(r))
        ]

    async def wait_for_request(
        self,
        method: str | None,
        path_regex: str,
        timeout: float = 10.0,
        *,
        since: int = 0,
        predicate: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """Wait for the first request (index >= since) matching method and path (relative to /api/vN)."""

        def check() -> RecordedRequest | None:
            """Return the first match, if any."""
            found = self.find_requests(method, path_regex, since=since, predicate=predicate)
            return found[0] if found else None

        return await self._wait_until(check, timeout, f"{method} {path_regex}")

    async def wait_identified(self, timeout: float = 10.0) -> JSON:
        """Wait until the bot has sent IDENTIFY (and got READY + GUILD_CREATE); return the IDENTIFY ``d``."""

        def check() -> JSON | None:
            """Return the IDENTIFY payload once the connection is ready."""
            ready = self._current is not None and self._current.ready
            return self.identify_payloads[-1] if ready and self.identify_payloads else None

        return await self._wait_until(check, timeout, "IDENTIFY")

    async def wait_for_gateway(
        self,
        op: int,
        timeout: float = 10.0,
        *,
        since: int = 0,
        direction: str = "recv",
    ) -> GatewayFrame:
        """Wait for a gateway payload with opcode ``op`` (received from the bot by default) and return it."""

        def check() -> GatewayFrame | None:
            """Return the first matching frame."""
            for frame in self.gateway_frames[since:]:
                if frame.direction == direction and frame.payload.get("op") == op:
                    return frame
            return None

        return await self._wait_until(check, timeout, f"gateway op {op} ({direction})")

    async def wait_for_commands(self, timeout: float = 10.0, *, guild_id: int | None = None) -> list[JSON]:
        """Wait until application commands were synced (globally, or for ``guild_id``) and return them."""
        path = (
            rf"^/applications/{self.application_id}/guilds/{guild_id}/commands$"
            if guild_id is not None
            else rf"^/applications/{self.application_id}/(guilds/\d+/)?commands$"
        )
        request = await self.wait_for_request("PUT", path, timeout)
        return list(request.response or [])

    async def wait_for_interaction_reply(self, interaction: JSON, timeout: float = 10.0) -> RecordedRequest:
        """Wait for the request carrying an interaction's answer (callback, or follow-up after a defer)."""
        deadline = asyncio.get_running_loop().time() + timeout
        token = re.escape(str(interaction["token"]))
        callback = await self.wait_for_request(
            "POST", rf"^/interactions/{interaction['id']}/{token}/callback$", timeout
        )
        body = callback.json if isinstance(callback.json, dict) else {}
        if body.get("type") not in (CB_DEFERRED_CHANNEL_MESSAGE, CB_DEFERRED_UPDATE_MESSAGE):
            return callback
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        return await self.wait_for_request(
            "POST|PATCH",
            rf"^/webhooks/{interaction['application_id']}/{token}(/messages/[^/]+)?$",
            remaining,
            since=callback.index + 1,
        )

    async def wait_for_message_reply(self, message: JSON, timeout: float = 10.0) -> RecordedRequest:
        """Wait for ``POST /channels/{id}/messages`` whose ``message_reference`` points at ``message``."""

        def is_reply(req: RecordedRequest) -> bool:
            """Check that the body references the given message."""
            body = req.json if isinstance(req.json, dict) else {}
            ref = body.get("message_reference") or {}
            return str(ref.get("message_id")) == str(message["id"])

        return await self.wait_for_request(
            "POST", rf"^/channels/{message['channel_id']}/messages$", timeout, predicate=is_reply
        )

    # ------------------------------------------------------------------ model builders

    def _everyone_role(self, guild_id: int | None = None) -> JSON:
        """Return the @everyone role of a fake guild (the main one by default)."""
        return {
            "id": str(self.guild_id if guild_id is None else guild_id),
            "name": "@everyone",
            "permissions": str(DEFAULT_PERMISSIONS),
            "position": 0,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }

    def _bot_role(self) -> JSON:
        """Return the role Discord gives the bot in the main guild (managed, tagged with the bot's id)."""
        role = self._everyone_role()
        role.update(id=str(self.bot_role_id), name=self.bot_user["username"], managed=True, position=1)
        role["tags"] = {"bot_id": str(self.application_id)}
        return role

    def text_channel(self, guild_id: int | None = None) -> JSON:
        """Return a fake guild's text channel object (the main guild's by default)."""
        guild_id = self.guild_id if guild_id is None else guild_id
        return {
            "id": str(self.channel_id if guild_id == self.guild_id else self.other_guilds[guild_id]),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def member(self, user: JSON, *, with_user: bool = True) -> JSON:
        """Return a guild member object for ``user``."""
        data: JSON = {
            "roles": [],
            "joined_at": self._joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user
        return data

    def _members(self) -> list[JSON]:
        """Return every member of the fake guild."""
        bot = self.member(self.bot_user)
        bot["roles"] = [str(self.bot_role_id)]
        return [bot, self.member(self.human_user)]

    async def add_guild(self, timeout: float = 10.0) -> int:
        """Add the bot to another server (a GUILD_CREATE as for a join) with one text channel; return its id."""
        guild_id = self._ids.next()
        self.other_guilds[guild_id] = self._ids.next()
        await self.dispatch("GUILD_CREATE", self.guild_payload(guild_id), timeout)
        return guild_id

    def channel_of(self, guild_id: int) -> int:
        """The text channel of a guild."""
        return self.channel_id if guild_id == self.guild_id else self.other_guilds[guild_id]

    def guild_payload(self, guild_id: int | None = None) -> JSON:
        """Return the full GUILD_CREATE payload of a fake guild (the main one by default)."""
        guild_id = self.guild_id if guild_id is None else guild_id
        members = self._members()
        main = guild_id == self.guild_id
        return {
            "id": str(guild_id),
            "name": "Fake Guild" if main else f"Other Guild {guild_id}",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.human_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "application_id": None,
            "vanity_url_code": None,
            "max_members": 500_000,
            "features": [],
            "roles": [self._everyone_role(guild_id), *([self._bot_role()] if main else [])],
            "emojis": [],
            "stickers": [],
            "joined_at": self._joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": members,
            "channels": [self.text_channel(guild_id)],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _application_payload(self) -> JSON:
        """Return the application object for ``GET /oauth2/applications/@me``."""
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.human_user,
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
        }

    def _user_by_id(self, user_id: int) -> JSON | None:
        """Return a known user by id."""
        for user in (self.bot_user, self.human_user):
            if int(user["id"]) == user_id:
                return user
        return None

    def _make_message(
        self,
        channel_id: int,
        author: JSON,
        body: Mapping[str, Any],
        *,
        files: Sequence[str] = (),
        message_type: int = 0,
        webhook_id: int | None = None,
        interaction: JSON | None = None,
        flags: int | None = None,
    ) -> JSON:
        """Create, store and return a message object built from a create-message request body."""
        message_id = self._ids.next()
        reference = body.get("message_reference")
        message: JSON = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self._ids.next()),
                    "filename": name,
                    "size": 0,
                    "url": f"{self.base_url}/attachments/{channel_id}/{name}",
                    "proxy_url": f"{self.base_url}/attachments/{channel_id}/{name}",
                }
                for name in files
            ],
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "pinned": False,
            "type": 19 if reference and message_type == 0 else message_type,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
        }
        if channel_id == self.channel_id:
            message["guild_id"] = str(self.guild_id)
        for other_guild, other_channel in self.other_guilds.items():
            if channel_id == other_channel:
                message["guild_id"] = str(other_guild)
        if reference:
            message["message_reference"] = {
                "type": reference.get("type", 0),
                "message_id": str(reference.get("message_id")),
                "channel_id": str(reference.get("channel_id", channel_id)),
                **({"guild_id": str(reference["guild_id"])} if reference.get("guild_id") else {}),
            }
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            message["interaction_metadata"] = {
                "id": str(interaction["id"]),
                "type": interaction["type"],
                "user": (interaction.get("member") or {}).get("user") or interaction.get("user"),
                "authorizing_integration_owners": interaction.get("authorizing_integration_owners", {}),
                "name": (interaction.get("data") or {}).get("name"),
            }
        self.messages[message_id] = message
        return message

    def _edit_message(self, message: JSON, body: Mapping[str, Any], files: Sequence[str] = ()) -> JSON:
        """Apply an edit-message request body to a stored message and return it."""
        for key in ("content", "embeds", "components"):
            if key in body and body[key] is not None:
                message[key] = body[key]
        flags = int(message.get("flags", 0)) & ~FLAG_LOADING
        if "flags" in body and body["flags"] is not None:
            flags = int(body["flags"]) | (flags & FLAG_EPHEMERAL)
        message["flags"] = flags
        if files:
            message["attachments"] = [
                {"id": str(self._ids.next()), "filename": n, "size": 0, "url": "", "proxy_url": ""} for n in files
            ]
        message["edited_timestamp"] = _now_iso()
        return message

    # ------------------------------------------------------------------ gateway

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway websocket connection."""
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self._connection_numbers += 1
        conn = _Connection(number=self._connection_numbers, ws=ws, transport=request.transport)
        compress = request.query.get("compress")
        if self.gateway_compression and compress == "zlib-stream":
            conn.compressor = zlib.compressobj()
        elif self.gateway_compression and compress:
            logger.warning("gateway compression %r not supported, sending plain text frames", compress)
        self._connections[conn.number] = conn
        logger.info("gateway connection #%d opened (query %s)", conn.number, dict(request.query))
        try:
            await self._send(conn, {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    raw = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data.decode()
                else:
                    break
                try:
                    payload = json.loads(raw)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                await self._record_frame("recv", conn, payload, binary=msg.type == WSMsgType.BINARY)
                await self._handle_gateway_payload(conn, payload)
        except ConnectionResetError:
            logger.debug("gateway connection #%d reset", conn.number)
        finally:
            self._connections.pop(conn.number, None)
            if self._current is conn:
                self._current = None
            logger.info("gateway connection #%d closed (code %s)", conn.number, ws.close_code)
            await self._notify()
        return ws

    async def _record_frame(self, direction: str, conn: _Connection, payload: JSON, binary: bool = False) -> None:
        """Record a gateway payload and wake waiters."""
        frame = GatewayFrame(len(self.gateway_frames), direction, conn.number, payload, binary)
        self.gateway_frames.append(frame)
        logger.debug("gateway #%d %s op=%s t=%s", conn.number, direction, payload.get("op"), payload.get("t"))
        await self._notify()

    async def _send(self, conn: _Connection, payload: JSON) -> None:
        """Send one payload to the bot as a JSON text frame (or a zlib-stream binary frame if enabled)."""
        text = json.dumps(payload, separators=(",", ":"))
        if conn.compressor is not None:
            await conn.ws.send_bytes(conn.compressor.compress(text.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH))
        else:
            await conn.ws.send_str(text)
        await self._record_frame("send", conn, payload, binary=conn.compressor is not None)

    async def _send_dispatch(self, conn: _Connection, event: str, data: Any) -> int:
        """Send a DISPATCH (op 0) with the session's next sequence number; return that number."""
        session = conn.session
        if session is None:
            raise RuntimeError("cannot dispatch on a connection without a session")
        session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(payload)
        await self._send(conn, payload)
        return session.seq

    async def _handle_gateway_payload(self, conn: _Connection, payload: JSON) -> None:
        """React to one payload received from the bot."""
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            async with conn.lock:
                await self._send(conn, {"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._on_identify(conn, data or {})
        elif op == OP_RESUME:
            await self._on_resume(conn, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._on_request_members(conn, data or {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            logger.debug("ignoring gateway op %s", op)
        else:
            logger.warning("unknown gateway op %r from bot", op)

    def _token_ok(self, token: Any) -> bool:
        """Check a bot token (``token=None`` on the fake accepts everything)."""
        return self.token is None or token == self.token

    async def _on_identify(self, conn: _Connection, data: JSON) -> None:
        """Answer IDENTIFY with READY and one GUILD_CREATE."""
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if not self._token_ok(data.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        session = _Session(session_id=secrets.token_hex(16))
        self._sessions[session.session_id] = session
        async with conn.lock:
            conn.session = session
            ready: JSON = {
                "v": API_VERSION,
                "user": self.bot_user,
                "user_settings": {},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": self.application_flags},
                "geo_ordered_rtc_regions": [],
                "_trace": ["fake-discord"],
            }
            if data.get("shard") is not None:
                ready["shard"] = data["shard"]
            await self._send_dispatch(conn, "READY", ready)
            await self._send_dispatch(conn, "GUILD_CREATE", self.guild_payload())
            conn.ready = True
            self._current = conn
        await self._notify()

    async def _on_resume(self, conn: _Connection, data: JSON) -> None:
        """Answer RESUME by replaying missed dispatches then RESUMED, or INVALID_SESSION if unknown."""
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or not self._token_ok(data.get("token")):
            async with conn.lock:
                await self._send(conn, {"op": OP_INVALID_SESSION, "d": False})
            return
        last_seen = int(data.get("seq") or 0)
        async with conn.lock:
            conn.session = session
            for old in list(session.history):
                if int(old["s"]) > last_seen:
                    await self._send(conn, old)
            await self._send_dispatch(conn, "RESUMED", {"_trace": ["fake-discord"]})
            conn.ready = True
            self._current = conn
        await self._notify()

    async def _on_request_members(self, conn: _Connection, data: JSON) -> None:
        """Answer REQUEST_GUILD_MEMBERS with a single GUILD_MEMBERS_CHUNK."""
        members = self._members()
        user_ids = {str(u) for u in (data.get("user_ids") or [])}
        if user_ids:
            members = [m for m in members if m["user"]["id"] in user_ids]
        query = data.get("query")
        if query:
            members = [m for m in members if m["user"]["username"].lower().startswith(str(query).lower())]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(data.get("guild_id", self.guild_id)),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": sorted(user_ids - {m["user"]["id"] for m in members}),
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        async with conn.lock:
            await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    async def _ready_connection(self, timeout: float) -> _Connection:
        """Wait for a connection that has completed IDENTIFY/RESUME."""

        def check() -> _Connection | None:
            """Return the current ready connection."""
            conn = self._current
            return conn if conn is not None and conn.ready and not conn.ws.closed else None

        return await self._wait_until(check, timeout, "a ready gateway connection")

    async def dispatch(self, event: str, data: Any, timeout: float = 10.0) -> int:
        """Send a DISPATCH to the bot (waiting up to ``timeout`` for a connection); return its sequence."""
        if event == "INTERACTION_CREATE" and isinstance(data, dict):
            state = _InteractionState(payload=data)
            self._interactions[int(data["id"])] = state
            self._interactions_by_token[str(data["token"])] = state
        elif event == "MESSAGE_CREATE" and isinstance(data, dict):
            self.messages[int(data["id"])] = data
        conn = await self._ready_connection(timeout)
        async with conn.lock:
            return await self._send_dispatch(conn, event, data)

    async def request_reconnect(self, timeout: float = 10.0) -> None:
        """Send op 7 RECONNECT, making the bot reconnect and RESUME."""
        conn = await self._ready_connection(timeout)
        async with conn.lock:
            conn.ready = False
            await self._send(conn, {"op": OP_RECONNECT, "d": None})

    # ------------------------------------------------------------------ high-level event helpers

    def _find_command(self, name: str, guild_id: int | None) -> tuple[JSON | None, bool]:
        """Return the synced command called ``name`` and whether it is a guild command."""
        if guild_id is not None and name in self.guild_commands.get(guild_id, {}):
            return self.guild_commands[guild_id][name], True
        return self.global_commands.get(name), False

    @staticmethod
    def _infer_option_type(value: Any) -> int:
        """Guess an option type from a Python value."""
        if isinstance(value, bool):
            return OPT_BOOLEAN
        if isinstance(value, int):
            return OPT_INTEGER
        if isinstance(value, float):
            return OPT_NUMBER
        return OPT_STRING

    def _build_options(self, schema: Sequence[JSON], values: Mapping[str, Any]) -> list[JSON]:
        """Turn ``{name: value}`` into interaction options, typed from the synced command schema."""
        by_name = {opt.get("name"): opt for opt in schema}
        options = []
        for name, value in values.items():
            declared = by_name.get(name, {})
            options.append({"name": name, "type": declared.get("type", self._infer_option_type(value)), "value": value})
        return options

    def build_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user: JSON | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
        require_synced: bool = True,
        permissions: int = DEFAULT_PERMISSIONS,
    ) -> JSON:
        """Build an INTERACTION_CREATE (type 2) payload for ``/name`` (``"group sub"`` for subcommands)."""
        guild_id = self.guild_id if guild_id is None else guild_id
        channel_id = self.channel_of(guild_id) if channel_id is None else channel_id
        user = user or self.human_user
        parts = name.split()
        command, is_guild_command = self._find_command(parts[0], guild_id)
        if command is None and require_synced:
            raise LookupError(f"command {parts[0]!r} has not been synced to the fake (synced: {self._synced_names()})")
        command = command or {"id": str(self._ids.next()), "name": parts[0], "options": []}

        schema: Sequence[JSON] = command.get("options") or []
        path: list[tuple[str, int]] = []
        for depth, part in enumerate(parts[1:], start=1):
            declared = next((o for o in schema if o.get("name") == part), {})
            default_type = OPT_SUB_COMMAND if depth == len(parts) - 1 else OPT_SUB_COMMAND_GROUP
            path.append((part, int(declared.get("type", default_type))))
            schema = declared.get("options") or []
        if options is None:
            leaf: list[JSON] = []
        elif isinstance(options, Mapping):
            leaf = self._build_options(schema, options)
        else:
            leaf = [dict(o) for o in options]
        for part, opt_type in reversed(path):
            leaf = [{"name": part, "type": opt_type, "options": leaf}]

        data: JSON = {"id": str(command["id"]), "name": parts[0], "type": 1}
        if leaf:
            data["options"] = leaf
        if is_guild_command:
            data["guild_id"] = str(guild_id)

        interaction_id = self._ids.next()
        if channel_id == self.channel_of(guild_id):
            channel = self.text_channel(guild_id)
        else:
            channel = {"id": str(channel_id), "type": 0}
        channel["permissions"] = str(permissions)
        member = self.member(user)
        member["permissions"] = str(permissions)
        return {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": 2,
            "data": data,
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(channel_id),
            "channel": channel,
            "member": member,
            "token": secrets.token_urlsafe(48),
            "version": 1,
            "app_permissions": str(DEFAULT_PERMISSIONS),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _synced_names(self) -> list[str]:
        """Return the names of all synced commands (for error messages)."""
        names = list(self.global_commands)
        for commands in self.guild_commands.values():
            names.extend(commands)
        return names

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user: JSON | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
        require_synced: bool = True,
        timeout: float = 10.0,
        permissions: int = DEFAULT_PERMISSIONS,
    ) -> JSON:
        """Dispatch an INTERACTION_CREATE for ``/name`` with ``options``; return the interaction payload."""
        interaction = self.build_slash_command(
            name,
            options,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
            require_synced=require_synced,
            permissions=permissions,
        )
        await self.dispatch("INTERACTION_CREATE", interaction, timeout)
        return interaction

    def build_message(
        self,
        content: str,
        *,
        mention_bot: bool = True,
        author: JSON | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        mention_bot_role: bool = False,
    ) -> JSON:
        """Build a MESSAGE_CREATE payload from ``author`` (default: the human) in the guild or a DM."""
        author = author or self.human_user
        mentions: list[JSON] = []
        if mention_bot_role:
            mention_bot = False
            content = f"<@&{self.bot_role_id}> {content}"
        if mention_bot:
            mention = f"<@{self.application_id}>"
            if mention not in content:
                content = f"{mention} {content}"
            mentions.append(
                self.bot_user if dm else {**self.bot_user, "member": self.member(self.bot_user, with_user=False)}
            )
        message_id = self._ids.next()
        message: JSON = {
            "id": str(message_id),
            "channel_id": str(channel_id or (self._ids.next() if dm else self.channel_id)),
            "author": author,
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [str(self.bot_role_id)] if mention_bot_role else [],
            "mention_channels": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "nonce": str(message_id),
        }
        if not dm:
            message["guild_id"] = str(self.guild_id)
            message["member"] = self.member(author, with_user=False)
        return message

    async def send_message(
        self,
        content: str,
        mention_bot: bool = True,
        *,
        author: JSON | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        timeout: float = 10.0,
        mention_bot_role: bool = False,
    ) -> JSON:
        """Dispatch a MESSAGE_CREATE (mentioning the bot by default) and return the message payload."""
        message = self.build_message(
            content,
            mention_bot=mention_bot,
            author=author,
            channel_id=channel_id,
            dm=dm,
            mention_bot_role=mention_bot_role,
        )
        await self.dispatch("MESSAGE_CREATE", message, timeout)
        return message

    # ------------------------------------------------------------------ REST

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        """Return the REST routing table: (method, path regex relative to /api/vN, handler)."""
        snow = r"(?P<{}>\d+)"
        tok = r"(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", rf"/users/{snow.format('user')}", self._get_user),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("DELETE", rf"/users/@me/guilds/{snow.format('guild')}", self._leave_guild),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/(?:oauth2/)?applications/@me", self._get_application),
            ("GET", rf"/applications/{snow.format('app')}/commands", self._get_commands),
            ("PUT", rf"/applications/{snow.format('app')}/commands", self._put_commands),
            ("POST", rf"/applications/{snow.format('app')}/commands", self._post_command),
            (
                "GET",
                rf"/applications/{snow.format('app')}/guilds/{snow.format('guild')}/commands",
                self._get_commands,
            ),
            (
                "PUT",
                rf"/applications/{snow.format('app')}/guilds/{snow.format('guild')}/commands",
                self._put_commands,
            ),
            (
                "POST",
                rf"/applications/{snow.format('app')}/guilds/{snow.format('guild')}/commands",
                self._post_command,
            ),
            (
                "POST",
                rf"/interactions/{snow.format('interaction')}/{tok}/callback",
                self._interaction_callback,
            ),
            ("POST", rf"/webhooks/{snow.format('app')}/{tok}", self._webhook_execute),
            (
                "GET",
                rf"/webhooks/{snow.format('app')}/{tok}/messages/(?P<message>@original|\d+)",
                self._webhook_get,
            ),
            (
                "PATCH",
                rf"/webhooks/{snow.format('app')}/{tok}/messages/(?P<message>@original|\d+)",
                self._webhook_edit,
            ),
            (
                "DELETE",
                rf"/webhooks/{snow.format('app')}/{tok}/messages/(?P<message>@original|\d+)",
                self._webhook_delete,
            ),
            ("GET", rf"/channels/{snow.format('channel')}", self._get_channel),
            ("POST", rf"/channels/{snow.format('channel')}/messages", self._create_message),
            ("GET", rf"/channels/{snow.format('channel')}/messages", self._list_messages),
            (
                "GET",
                rf"/channels/{snow.format('channel')}/messages/{snow.format('message')}",
                self._get_message,
            ),
            (
                "PATCH",
                rf"/channels/{snow.format('channel')}/messages/{snow.format('message')}",
                self._edit_message_route,
            ),
            (
                "DELETE",
                rf"/channels/{snow.format('channel')}/messages/{snow.format('message')}",
                self._no_content,
            ),
            ("POST", rf"/channels/{snow.format('channel')}/typing", self._no_content),
            (
                "PUT",
                rf"/channels/{snow.format('channel')}/messages/\d+/reactions/[^/]+/@me",
                self._no_content,
            ),
            (
                "DELETE",
                rf"/channels/{snow.format('channel')}/messages/\d+/reactions/[^/]+/@me",
                self._no_content,
            ),
            ("GET", rf"/guilds/{snow.format('guild')}", self._get_guild),
            ("GET", rf"/guilds/{snow.format('guild')}/channels", self._get_guild_channels),
            ("GET", rf"/guilds/{snow.format('guild')}/members/{snow.format('user')}", self._get_member),
        ]
        return [(method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in table]

    @staticmethod
    async def _parse_body(request: web.Request) -> tuple[Any, list[str]]:
        """Parse a JSON or multipart (``payload_json`` + files) request body."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body: Any = None
            files: list[str] = []
            for key, value in form.items():
                if key == "payload_json":
                    raw = value if isinstance(value, str) else bytes(value).decode()  # type: ignore[arg-type]
                    body = json.loads(raw)
                elif hasattr(value, "filename"):
                    files.append(str(value.filename))
            return body, files
        raw_bytes = await request.read()
        if not raw_bytes:
            return None, []
        try:
            return json.loads(raw_bytes), []
        except ValueError:
            return raw_bytes.decode(errors="replace"), []

    def _requires_bot_auth(self, path: str) -> bool:
        """Tell whether a route is authenticated with the bot token (webhook/interaction routes are not)."""
        return not (path.startswith("/interactions/") or path.startswith("/webhooks/") or path.startswith("/gateway"))

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        """Route, answer and record one REST request."""
        path = API_PREFIX_RE.sub("", request.path, count=1)
        body, files = await self._parse_body(request)
        record = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower() in ("authorization", "content-type", "user-agent", "x-audit-log-reason")
            },
            files=files,
        )
        reply = self._route(record)
        record.status, record.response = reply.status, reply.body
        self.requests.append(record)
        logger.info("REST %s %s -> %s", record.method, record.path, record.status)
        await self._notify()
        if reply.body is None:
            return web.Response(status=reply.status)
        return _json_response(reply.body, reply.status)

    def fail_once(self, method: str, path_pattern: str, status: int) -> None:
        """Answer the next ``method`` request whose path matches ``path_pattern`` with a Discord-style ``status``."""
        self._failures.append((method, re.compile(path_pattern), status))

    def _route(self, record: RecordedRequest) -> _Reply:
        """Find and run the handler for a request; unknown routes get a Discord-style 404."""
        for failure in self._failures:
            method, pattern, status = failure
            if method == record.method and pattern.search(record.path):
                self._failures.remove(failure)
                return _error(status, 0, f"{status}: injected by the test")
        needs_auth = self._requires_bot_auth(record.path) and self.token is not None
        if needs_auth and record.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for method, pattern, handler in self._routes:
            match = pattern.match(record.path)
            if match and method == record.method:
                call = _RestCall(record.method, record.path, record.query, record.json, record.files, match)
                try:
                    return handler(call)
                except Exception:  # a fake must answer, never hang
                    logger.exception("fake handler failed for %s %s", record.method, record.path)
                    return _error(400, 50035, "Invalid Form Body")
        logger.warning("unhandled REST route %s %s", record.method, record.path)
        return _error(404, 0, "404: Not Found")

    # ---- users / gateway / application

    def _get_me(self, call: _RestCall) -> _Reply:
        """GET /users/@me."""
        return _Reply(200, self.bot_user)

    def _get_user(self, call: _RestCall) -> _Reply:
        """GET /users/{id}."""
        user = self._user_by_id(int(call.match["user"]))
        return _Reply(200, user) if user else _error(404, 10013, "Unknown User")

    def _create_dm(self, call: _RestCall) -> _Reply:
        """POST /users/@me/channels (open a DM)."""
        recipient = self._user_by_id(int((call.body or {}).get("recipient_id", 0))) or self.human_user
        return _Reply(200, {"id": str(self._ids.next()), "type": 1, "last_message_id": None, "recipients": [recipient]})

    def _leave_guild(self, call: _RestCall) -> _Reply:
        """DELETE /users/@me/guilds/{id}: the bot leaves a server."""
        self.left_guilds.append(int(call.match["guild"]))
        return _Reply(204)

    def _get_gateway(self, call: _RestCall) -> _Reply:
        """GET /gateway."""
        return _Reply(200, {"url": self.gateway_url})

    def _get_gateway_bot(self, call: _RestCall) -> _Reply:
        """GET /gateway/bot."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return _Reply(200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    def _get_application(self, call: _RestCall) -> _Reply:
        """GET /oauth2/applications/@me and /applications/@me."""
        return _Reply(200, self._application_payload())

    # ---- application commands

    def _command_store(self, call: _RestCall) -> tuple[dict[str, JSON], int | None] | None:
        """Return the command dict addressed by the route (``None`` for a wrong application id or unknown guild)."""
        if int(call.match["app"]) != self.application_id:
            return None
        guild = call.match.groupdict().get("guild")
        if guild is None:
            return self.global_commands, None
        if int(guild) != self.guild_id and int(guild) not in self.other_guilds:
            return None  # as Discord: the bot is not in that server (or lacks the applications.commands scope)
        return self.guild_commands.setdefault(int(guild), {}), int(guild)

    def _normalise_command(self, payload: Mapping[str, Any], existing: JSON | None, guild_id: int | None) -> JSON:
        """Return the stored form of a command: request fields plus id, application_id and version."""
        command: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
        }
        command.update({k: v for k, v in payload.items() if v is not None or k not in command})
        command["id"] = existing["id"] if existing else str(self._ids.next())
        command["application_id"] = str(self.application_id)
        command["version"] = str(self._ids.next())
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    def _get_commands(self, call: _RestCall) -> _Reply:
        """GET application commands (global or guild)."""
        store = self._command_store(call)
        return _Reply(200, list(store[0].values())) if store else _error(403, 50001, "Missing Access")

    def _put_commands(self, call: _RestCall) -> _Reply:
        """PUT (bulk overwrite) application commands and echo them back with ids."""
        store = self._command_store(call)
        if store is None:
            return _error(403, 50001, "Missing Access")
        commands, guild_id = store
        if not isinstance(call.body, list):
            return _error(400, 50035, "Invalid Form Body")
        new = {}
        for payload in call.body:
            name = str(payload.get("name"))
            new[name] = self._normalise_command(payload, commands.get(name), guild_id)
        commands.clear()
        commands.update(new)
        return _Reply(200, list(new.values()))

    def _post_command(self, call: _RestCall) -> _Reply:
        """POST (upsert) one application command."""
        store = self._command_store(call)
        if store is None or not isinstance(call.body, dict):
            return _error(400, 50035, "Invalid Form Body")
        commands, guild_id = store
        name = str(call.body.get("name"))
        existing = commands.get(name)
        commands[name] = self._normalise_command(call.body, existing, guild_id)
        return _Reply(200 if existing else 201, commands[name])

    # ---- interactions / webhooks

    def _interaction_callback(self, call: _RestCall) -> _Reply:
        """POST /interactions/{id}/{token}/callback (honours ``?with_response``)."""
        state = self._interactions.get(int(call.match["interaction"]))
        if state is None or state.payload["token"] != call.match["token"]:
            return _error(404, 10062, "Unknown interaction")
        if state.responded:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = call.body if isinstance(call.body, dict) else {}
        cb_type = int(body.get("type", 0))
        data = body.get("data") or {}
        state.responded = True
        interaction = state.payload
        message: JSON | None = None
        if cb_type == CB_CHANNEL_MESSAGE:
            message = self._make_message(
                int(interaction["channel_id"]),
                self.bot_user,
                data,
                files=call.files,
                message_type=20,
                webhook_id=self.application_id,
                interaction=interaction,
            )
        elif cb_type == CB_DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._make_message(
                int(interaction["channel_id"]),
                self.bot_user,
                {},
                message_type=20,
                webhook_id=self.application_id,
                interaction=interaction,
                flags=flags,
            )
        if message is not None:
            state.original_message_id = int(message["id"])
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return _Reply(204)
        result: JSON = {
            "interaction": {
                "id": interaction["id"],
                "type": interaction["type"],
                "response_message_loading": cb_type == CB_DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and int(message["flags"]) & FLAG_EPHEMERAL),
            }
        }
        if message is not None:
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": cb_type, "message": message}
        elif cb_type in (CB_DEFERRED_UPDATE_MESSAGE, CB_UPDATE_MESSAGE):
            result["resource"] = {"type": cb_type}
        return _Reply(200, result)

    def _webhook_state(self, call: _RestCall) -> _InteractionState | None:
        """Return the interaction behind a webhook route's token (``None`` if unknown)."""
        if int(call.match["app"]) != self.application_id:
            return None
        return self._interactions_by_token.get(call.match["token"])

    def _webhook_message(self, call: _RestCall, state: _InteractionState) -> JSON | None:
        """Return the message addressed by ``/messages/{id|@original}``."""
        target = call.match["message"]
        message_id = state.original_message_id if target == "@original" else int(target)
        return self.messages.get(message_id) if message_id is not None else None

    def _webhook_execute(self, call: _RestCall) -> _Reply:
        """POST /webhooks/{app}/{token}: a follow-up (the first after a defer fills the loading message)."""
        state = self._webhook_state(call)
        if state is None:
            return _error(404, 10015, "Unknown Webhook")
        body = call.body if isinstance(call.body, dict) else {}
        original = self.messages.get(state.original_message_id) if state.original_message_id else None
        if original is not None and int(original.get("flags", 0)) & FLAG_LOADING:
            message = self._edit_message(original, body, call.files)
        else:
            message = self._make_message(
                int(state.payload["channel_id"]),
                self.bot_user,
                body,
                files=call.files,
                message_type=20,
                webhook_id=self.application_id,
                interaction=state.payload,
            )
        wait = call.query.get("wait", "").lower() in ("1", "true")
        return _Reply(200, message) if wait else _Reply(204)

    def _webhook_get(self, call: _RestCall) -> _Reply:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        state = self._webhook_state(call)
        message = self._webhook_message(call, state) if state else None
        return _Reply(200, message) if message else _error(404, 10008, "Unknown Message")

    def _webhook_edit(self, call: _RestCall) -> _Reply:
        """PATCH /webhooks/{app}/{token}/messages/{id|@original}."""
        state = self._webhook_state(call)
        if state is None:
            return _error(404, 10015, "Unknown Webhook")
        message = self._webhook_message(call, state)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _Reply(200, self._edit_message(message, call.body if isinstance(call.body, dict) else {}, call.files))

    def _webhook_delete(self, call: _RestCall) -> _Reply:
        """DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        state = self._webhook_state(call)
        message = self._webhook_message(call, state) if state else None
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self.messages.pop(int(message["id"]), None)
        return _Reply(204)

    # ---- channels / guilds

    def _get_channel(self, call: _RestCall) -> _Reply:
        """GET /channels/{id}."""
        if int(call.match["channel"]) == self.channel_id:
            return _Reply(200, self.text_channel())
        return _error(404, 10003, "Unknown Channel")

    def _create_message(self, call: _RestCall) -> _Reply:
        """POST /channels/{id}/messages."""
        body = call.body if isinstance(call.body, dict) else {}
        if not (
            body.get("content") or body.get("embeds") or call.files or body.get("components") or body.get("sticker_ids")
        ):
            return _error(400, 50006, "Cannot send an empty message")
        message = self._make_message(int(call.match["channel"]), self.bot_user, body, files=call.files)
        ref = body.get("message_reference") or {}
        referenced = self.messages.get(int(ref["message_id"])) if ref.get("message_id") else None
        if referenced is not None:
            message["referenced_message"] = {k: v for k, v in referenced.items() if k != "referenced_message"}
        return _Reply(200, message)

    def _list_messages(self, call: _RestCall) -> _Reply:
        """GET /channels/{id}/messages (newest first)."""
        channel = call.match["channel"]
        limit = int(call.query.get("limit", "50"))
        found = [m for m in self.messages.values() if m["channel_id"] == channel]
        return _Reply(200, sorted(found, key=lambda m: int(m["id"]), reverse=True)[:limit])

    def _get_message(self, call: _RestCall) -> _Reply:
        """GET /channels/{id}/messages/{id}."""
        message = self.messages.get(int(call.match["message"]))
        return _Reply(200, message) if message else _error(404, 10008, "Unknown Message")

    def _edit_message_route(self, call: _RestCall) -> _Reply:
        """PATCH /channels/{id}/messages/{id}."""
        message = self.messages.get(int(call.match["message"]))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _Reply(200, self._edit_message(message, call.body if isinstance(call.body, dict) else {}, call.files))

    def _no_content(self, call: _RestCall) -> _Reply:
        """Answer 204 (typing, reactions, deletes)."""
        return _Reply(204)

    def _get_guild(self, call: _RestCall) -> _Reply:
        """GET /guilds/{id} (REST guild objects carry no channels/members)."""
        if int(call.match["guild"]) != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        payload = self.guild_payload()
        for key in (
            "channels",
            "members",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
            "member_count",
        ):
            payload.pop(key, None)
        return _Reply(200, payload)

    def _get_guild_channels(self, call: _RestCall) -> _Reply:
        """GET /guilds/{id}/channels."""
        if int(call.match["guild"]) != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        return _Reply(200, [self.text_channel()])

    def _get_member(self, call: _RestCall) -> _Reply:
        """GET /guilds/{id}/members/{user}."""
        user = self._user_by_id(int(call.match["user"]))
        if int(call.match["guild"]) != self.guild_id or user is None:
            return _error(404, 10007, "Unknown Member")
        return _Reply(200, self.member(user))


def message_body(request: RecordedRequest) -> JSON:
    """Return the message part of a recorded request (callback ``data`` for interaction callbacks)."""
    body = request.json if isinstance(request.json, dict) else {}
    if request.path.startswith("/interactions/"):
        return dict(body.get("data") or {})
    return dict(body)
