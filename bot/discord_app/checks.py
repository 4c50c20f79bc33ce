"""Who may do what on Discord: the permission rules for editors and mentors, in one place, per server.

A right counts only in the server where it is used: Manage Server or an editor role in one server gives nothing in
another, and no right is held in a DM.
"""

from __future__ import annotations

import discord

from bot.config import Config
from bot.store import Scope


def member_role_ids(user: discord.abc.User) -> set[int]:
    """The role ids of a guild member (none for a DM user)."""
    return {role.id for role in getattr(user, "roles", ())}


def _member_of(user: discord.abc.User, guild_id: int | None) -> bool:
    """Whether the user is a member of that server as the interaction presents them (a DM user never is)."""
    guild = getattr(user, "guild", None)
    return guild_id is not None and guild is not None and guild.id == guild_id


def is_editor(user: discord.abc.User, guild_id: int | None, config: Config) -> bool:
    """Editors of this server: a configured editor role there, or the Manage Server permission there."""
    if not _member_of(user, guild_id):
        return False
    permissions = getattr(user, "guild_permissions", None)
    if permissions is not None and permissions.manage_guild:
        return True
    return bool(member_role_ids(user) & set(config.discord.editor_role_ids))


def is_mentor(user: discord.abc.User, guild_id: int | None, config: Config) -> bool:
    """Mentors of this server may post answers for someone else; its editors may too."""
    if not _member_of(user, guild_id):
        return False
    return bool(member_role_ids(user) & set(config.discord.mentor_role_ids)) or is_editor(user, guild_id, config)


def editor_scope(guild_id: int, config: Config) -> Scope:
    """What the editors of a server see and change: its own questions, and the DMs' when it is the home server."""
    if config.discord.home_guild_id == guild_id:
        return Scope.of(guild_id, None)
    return Scope.of(guild_id)
