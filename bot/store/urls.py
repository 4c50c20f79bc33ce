"""Which database a storage target names, and how to show a URL without its password (stdlib only)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
URL_FORM = "postgresql://user:password@host:port/database"  # how a PostgreSQL target is written, for messages
_PASSWORD_PARAMETER = re.compile(r"([?&](?:password|sslpassword)=)[^&#]*", re.IGNORECASE)


def is_postgres_url(target: object) -> bool:
    """Whether a storage target names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def is_url(text: str) -> bool:
    """Whether a storage target is written as a URL (scheme://...): never a SQLite file's name, whatever its scheme."""
    return "://" in text


def redact_url(url: str) -> str:
    """The URL without its password, for logs and error lines, whatever the password holds.

    Read by position, not parsed: a password with an unencoded `/`, `?`, `#` or `@` defeats a URL parser, and a
    `?password=` parameter is a password too. The user info ends at the last `@` before the host.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    if "@" in rest:
        userinfo, host = rest.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        rest = f"{user}:***@{host}" if colon else f"{user}@{host}"
    return scheme + "://" + _PASSWORD_PARAMETER.sub(r"\1***", rest)


def postgres_url_problem(url: str) -> str | None:
    """What is wrong with a PostgreSQL URL before anything connects (None: nothing), shown without its password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number from 0 to 65535
    except ValueError as error:  # its message may quote the URL's text, which may be part of the password
        shown = redact_url(url)
        if "out of range" in str(error):  # a number, but no port: 99999
            return f"{shown} is not a usable PostgreSQL URL: its port is not between 0 and 65535"
        return f"{shown} is not a usable PostgreSQL URL (its port is not a number); URL-encode / ? # @ : in a password"
    if not parts.hostname and "host=" not in parts.query:
        return f"{redact_url(url)} names no host: write {URL_FORM}"
    return None
