"""Who may do what on Discord: the permission rules for editors and mentors, in one place."""

from __future__ import annotations

import discord

from bot.config import Config


def member_role_ids(user: discord.abc.User) -> set[int]:
    """The role ids of a guild member (none for a DM user)."""
    return {role.id for role in getattr(user, "roles", ())}


def is_editor(user: discord.abc.User, config: Config) -> bool:
    """Editors: a configured editor role, or the Manage Server permission."""
    permissions = getattr(user, "guild_permissions", None)
    if permissions is not None and permissions.manage_guild:
        return True
    return bool(member_role_ids(user) & set(config.discord.editor_role_ids))


def is_mentor(user: discord.abc.User, config: Config) -> bool:
    """Mentors may post answers for someone else; editors may too."""
    return bool(member_role_ids(user) & set(config.discord.mentor_role_ids)) or is_editor(user, config)
