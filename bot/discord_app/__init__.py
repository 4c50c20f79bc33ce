"""The Discord adapter: the bot, its runner, permission checks, rendering, views and cogs. Thin over the core."""
