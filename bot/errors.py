"""User-facing errors: each carries one clear line for the person who caused it."""


class FaqbotError(Exception):
    """A mistake a user can fix (bad config, bad knowledge file, unusable database); printed as one line."""


class ConfigError(FaqbotError):
    """The configuration file or environment is invalid."""


class KnowledgeError(FaqbotError):
    """A knowledge file is missing or malformed; the message names the file, the entry and the problem."""


class StoreError(FaqbotError):
    """The SQLite store cannot be opened or used safely."""
