"""Strict configuration: a YAML file plus environment overrides; unknown keys fail, the token stays secret."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.core.gate import ConfidenceGate
from bot.core.knowledge import duplicate_key
from bot.core.replies import MAX_QUESTION_CHARS
from bot.errors import ConfigError
from bot.store.urls import URL_FORM, is_postgres_url, is_url, postgres_url_problem

TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 - the variable's name, not a secret
LONGEST_QUESTION_LIMIT = 4000  # the store keeps up to this many characters of a question, so no limit may exceed it
DATABASE_URL_ENV = "FAQBOT_DATABASE_URL"


class Secret:
    """A string that never shows itself in repr, str or logs; `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class DiscordConfig:
    """Everything the Discord side needs; the token is a Secret."""

    token: Secret | None = field(default=None, repr=False)
    guild_ids: tuple[int, ...] = ()
    home_guild_id: int | None = None
    sync_commands: bool = True
    answer_channels: tuple[int, ...] = ()
    editor_role_ids: tuple[int, ...] = ()
    mentor_role_ids: tuple[int, ...] = ()
    cooldown_seconds: float = 5.0
    shard_count: int | Literal["auto"] | None = None
    shard_ids: tuple[int, ...] | None = None
    guild_roles: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    notify_askers: bool = True  # tell members when their queued question is resolved (a reply that pings only them)

    def roles_for(self, guild_id: int | None) -> tuple[str, ...] | None:
        """The roles a server covers (`discord.guilds.<id>.roles`); None, meaning all roles, when not configured."""
        return self.guild_roles.get(guild_id) if guild_id is not None else None

    def taught_in(self, guild_id: int | None) -> int | None:
        """The server whose taught phrasings answer a question asked in `guild_id` (None: a DM): it, or the home one.

        DM questions are resolved by the home server's editors; without a home server only global phrasings apply.
        """
        return guild_id if guild_id is not None else self.home_guild_id


@dataclass(frozen=True)
class MetricsConfig:
    """The optional Prometheus endpoint: off while `port` is None."""

    port: int | None = None
    host: str = "0.0.0.0"  # noqa: S104 - opt-in endpoint, served where a scraper (or another container) can reach it


@dataclass(frozen=True)
class Config:
    """The whole, validated configuration."""

    knowledge_path: Path = Path("knowledge")
    database_path: Path = Path("data/faqbot.db")
    database_url: str | None = field(default=None, repr=False)  # postgresql://...; holds a password
    log_level: str = "INFO"
    max_question_chars: int = MAX_QUESTION_CHARS
    retrieval: ConfidenceGate = field(default_factory=ConfidenceGate)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)

    @property
    def database(self) -> Path | str:
        """What the store opens: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.database_path


def _number(minimum: float, maximum: float) -> Callable[[str, Any], float]:
    def convert(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        if not minimum <= value <= maximum:
            raise ConfigError(f"{key} must be between {minimum} and {maximum}, got {value}")
        return float(value)

    return convert


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 25:
        raise ConfigError(f"{key} must be a whole number from 1 to 25, got {value!r}")
    return value


def _limit(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= LONGEST_QUESTION_LIMIT:
        raise ConfigError(f"{key} must be a whole number from 10 to {LONGEST_QUESTION_LIMIT}, got {value!r}")
    return value


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty string")
    return value


def _path(key: str, value: Any) -> Path:
    return Path(_text(key, value)).expanduser()


def _sqlite_path(key: str, value: Any) -> Path:
    if is_url(_text(key, value)):  # taken for a file's name, it would become folders named after the password
        raise ConfigError(f"{key} is a SQLite file's path; a postgresql:// URL goes in storage.url")
    return _path(key, value)


def _ids(key: str, value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of Discord ids, got {value!r}")
    ids = []
    for item in value:
        if isinstance(item, str) and item.isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise ConfigError(f"{key} must hold Discord ids (positive whole numbers), got {item!r}")
        ids.append(item)
    return tuple(ids)


def _id(key: str, value: Any) -> int | None:
    if value is None:
        return None
    (guild_id,) = _ids(key, [value])
    return guild_id


def _token(key: str, value: Any) -> Secret | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string")
    return Secret(value.strip()) if value.strip() else None  # blank: no token, and `run` says how to set one


def _shards(key: str, value: Any) -> int | Literal["auto"] | None:
    if value is None or value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f'{key} must be "auto" or a whole number of shards (1 or more), got {value!r}')
    return value


def _guilds(key: str, value: Any) -> dict[int, tuple[str, ...]]:
    """`discord.guilds`: per server id, the roles it covers (`roles: [Role name, ...]`)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key} must map server ids to settings, e.g. {{123456789: {{roles: [Role name]}}}}")
    guilds: dict[int, tuple[str, ...]] = {}
    for guild, settings in value.items():
        guild_id = _ids(key, [guild])[0]
        if not isinstance(settings, Mapping) or set(settings) - {"roles"}:
            raise ConfigError(f"{key}.{guild_id} takes only 'roles' (a list of role names)")
        roles = settings.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r.strip() for r in roles):
            raise ConfigError(f"{key}.{guild_id}.roles must be a non-empty list of role names")
        guilds[guild_id] = tuple(" ".join(role.split()) for role in roles)
    return guilds


def _database_url(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_postgres_url(value.strip()):
        raise ConfigError(f"{key} must be a {URL_FORM} URL")
    problem = postgres_url_problem(value.strip())
    if problem is not None:
        raise ConfigError(f"{key}: {problem}")
    return value.strip()


def _shard_ids(key: str, value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{key} must be a non-empty list of shard numbers (0, 1, ...), got {value!r}")
    if any(isinstance(item, bool) or not isinstance(item, int) or item < 0 for item in value):
        raise ConfigError(f"{key} must hold shard numbers (0 or more), got {value!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{key} lists a shard twice: {value!r}")
    return tuple(value)


def _port(key: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigError(f"{key} must be a TCP port from 1 to 65535 (or null: no endpoint), got {value!r}")
    return value


def _level(key: str, value: Any) -> str:
    level = _text(key, value).upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"{key} must be one of DEBUG, INFO, WARNING, ERROR, got {value!r}")
    return level


# section -> key -> (converter, attribute path in Config)
_SCHEMA: dict[str, dict[str, tuple[Callable[[str, Any], Any], str]]] = {
    "knowledge": {"path": (_path, "knowledge_path")},
    "storage": {"database": (_sqlite_path, "database_path"), "url": (_database_url, "database_url")},
    "logging": {"level": (_level, "log_level")},
    "limits": {"max_question_chars": (_limit, "max_question_chars")},
    "retrieval": {
        "min_confidence": (_number(0.0, 1.0), "retrieval.min_confidence"),
        "max_alternatives": (_count, "retrieval.max_alternatives"),
    },
    "discord": {
        "token": (_token, "discord.token"),
        "guild_ids": (_ids, "discord.guild_ids"),
        "home_guild_id": (_id, "discord.home_guild_id"),
        "sync_commands": (_flag, "discord.sync_commands"),
        "answer_channels": (_ids, "discord.answer_channels"),
        "editor_role_ids": (_ids, "discord.editor_role_ids"),
        "mentor_role_ids": (_ids, "discord.mentor_role_ids"),
        "cooldown_seconds": (_number(0.0, 3600.0), "discord.cooldown_seconds"),
        "shard_count": (_shards, "discord.shard_count"),
        "shard_ids": (_shard_ids, "discord.shard_ids"),
        "guilds": (_guilds, "discord.guild_roles"),
        "notify_askers": (_flag, "discord.notify_askers"),
    },
    "metrics": {"port": (_port, "metrics.port"), "host": (_text, "metrics.host")},
}


def parse_config(raw: Mapping[str, Any] | None, *, source: str = "config") -> Config:
    """Validate a parsed YAML mapping into a Config; any unknown section or key is an error."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    values: dict[str, dict[str, Any]] = {"": {}, "retrieval": {}, "discord": {}, "metrics": {}}
    for section, body in raw.items():
        if section not in _SCHEMA:
            raise ConfigError(f"{source}: unknown section {section!r} (known: {', '.join(_SCHEMA)})")
        if body is None:
            continue
        if not isinstance(body, Mapping):
            raise ConfigError(f"{source}: section {section!r} must be a mapping")
        for key, value in body.items():
            if key not in _SCHEMA[section]:
                known = ", ".join(_SCHEMA[section])
                raise ConfigError(f"{source}: unknown key {section}.{key} (known in {section}: {known})")
            convert, target = _SCHEMA[section][key]
            group, _, attribute = target.rpartition(".")
            try:
                values[group][attribute] = convert(f"{section}.{key}", value)
            except ConfigError as error:
                raise ConfigError(f"{source}: {error}") from None
    discord_values = values["discord"]
    home, served = discord_values.get("home_guild_id"), discord_values.get("guild_ids", ())
    if home is not None and served and home not in served:
        raise ConfigError(f"{source}: discord.home_guild_id {home} is not one of discord.guild_ids")
    retrieval = ConfidenceGate(**values["retrieval"])
    discord = DiscordConfig(**values["discord"])
    if discord.shard_ids is not None:
        if not isinstance(discord.shard_count, int):
            raise ConfigError(f"{source}: discord.shard_ids needs discord.shard_count as a number of shards")
        if max(discord.shard_ids) >= discord.shard_count:
            raise ConfigError(
                f"{source}: discord.shard_ids must be below discord.shard_count ({discord.shard_count}), "
                f"got {list(discord.shard_ids)}"
            )
    return Config(**values[""], retrieval=retrieval, discord=discord, metrics=MetricsConfig(**values["metrics"]))


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (optional) and apply DISCORD_TOKEN and FAQBOT_DATABASE_URL from the environment over it.

    Relative paths in the file (knowledge.path, storage.database) are read relative to the file's folder, so the
    same file works from any current folder.
    """
    environ = os.environ if environ is None else environ
    raw: Any = None
    source = "defaults"
    if path is not None:
        source = str(path)
        raw = _read_yaml(path)
    config = parse_config(raw, source=source)
    if path is not None:
        config = _relative_to(config, raw, path.parent)
    env_token = environ.get(TOKEN_ENV, "").strip()
    if env_token:
        config = replace(config, discord=replace(config.discord, token=Secret(env_token)))
    env_url = environ.get(DATABASE_URL_ENV, "").strip()
    if env_url:
        config = replace(config, database_url=_database_url(DATABASE_URL_ENV, env_url))
    return config


def _read_yaml(path: Path) -> Any:
    """Parse the config file; every way it can be unreadable is one line naming the file (and the line)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save the config as UTF-8"
        ) from None
    try:
        data = yaml.safe_load(text)
        repeated = _repeated_key(yaml.compose(text, Loader=yaml.SafeLoader))
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {' '.join(str(error.problem).split())}") from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise ConfigError(f"{path}:{line}: not valid YAML: character #x{error.character:04x} is not allowed") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(error).split())}") from None
    if repeated is not None:
        raise ConfigError(f"{path}:{repeated[1]}: key {repeated[0]!r} appears twice (YAML would keep only the last)")
    return data


def _repeated_key(node: yaml.Node | None) -> tuple[str, int] | None:
    """The first key that any mapping of the config repeats, with its line (None: every key is there once)."""
    if isinstance(node, yaml.MappingNode):
        return duplicate_key(node) or next(
            (found for _, value in node.value if (found := _repeated_key(value)) is not None), None
        )
    if isinstance(node, yaml.SequenceNode):
        return next((found for item in node.value if (found := _repeated_key(item)) is not None), None)
    return None


def _relative_to(config: Config, raw: Any, folder: Path) -> Config:
    """Read the relative paths the file gives as relative to its folder (defaults stay relative to the current one)."""
    given = {
        "knowledge_path": isinstance(raw, Mapping)
        and isinstance(raw.get("knowledge"), Mapping)
        and "path" in raw["knowledge"],
        "database_path": isinstance(raw, Mapping)
        and isinstance(raw.get("storage"), Mapping)
        and "database" in raw["storage"],
    }
    changes = {
        name: folder / getattr(config, name)
        for name, is_given in given.items()
        if is_given and not getattr(config, name).is_absolute()
    }
    return replace(config, **changes) if changes else config
