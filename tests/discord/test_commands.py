"""Structural checks of the command tree: no clashes, and every command and option is described for users."""

from __future__ import annotations

import discord
from discord import app_commands


async def test_commands_do_not_clash_and_are_described(simcord_env) -> None:
    tree = simcord_env.bot.tree
    commands = tree.get_commands()
    keys = [(command.name, type(command).__name__) for command in commands]
    assert len(keys) == len(set(keys))
    leaves = list(tree.walk_commands())
    paths = [command.qualified_name for command in leaves]
    assert len(paths) == len(set(paths))
    assert {"ask", "help", "faq", "stats", "unanswered list", "knowledge reload"} <= set(paths)
    menus = [menu.name for menu in tree.get_commands(type=discord.AppCommandType.message)]
    assert menus == ["Answer with FAQ"]
    for command in leaves:
        if isinstance(command, app_commands.Command):
            assert command.description and command.description != "…", command.qualified_name
            for parameter in command.parameters:
                assert parameter.description and parameter.description != "…", (command.qualified_name, parameter.name)
