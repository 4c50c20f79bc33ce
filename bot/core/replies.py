"""Every text the bot says in its own voice, in one place, so the CLI and Discord say the same thing."""

from __future__ import annotations

MAX_QUESTION_CHARS = 1000

UNKNOWN = "I don't know that yet; I've passed it to the editors."
SUGGEST_INTRO = "I'm not sure. Did you mean:"
WHICH_ROLE = "That depends on the role. Which one do you mean?"
TOO_LONG = (
    f"That question is over {MAX_QUESTION_CHARS:,} characters, too long for me. Could you ask it in a sentence or two?"
)


def partial(missing: tuple[str, ...]) -> str:
    """What to say when the knowledge has the question's topic but not the detail asked (the `partial` status)."""
    detail = f" (“{' '.join(missing)}”)" if missing else ""
    return f"I don't have that detail{detail}; I've passed it to the editors. The closest passage I have:"


THANKS = "You're welcome! Ask again any time."
FAREWELL = "Bye! Come back with more questions any time."


def topic(roles: tuple[str, ...]) -> str:
    """What the bot answers about, from the loaded knowledge: one role by name, or the roles it covers."""
    if len(roles) == 1:
        return f"the {roles[0]} role"
    if roles:
        return "the roles this server covers (" + ", ".join(roles) + ")"
    return "the roles this server covers"


def ask_description(roles: tuple[str, ...]) -> str:
    """The /ask command's description (at most 100 characters: Discord's limit), from the loaded knowledge."""
    if len(roles) == 1 and len(text := f"Ask a question about {topic(roles)}") <= 100:
        return text
    return "Ask a question about the roles this server covers"  # one description for every server


def unknown_role(name: str, roles: tuple[str, ...]) -> str:
    """A role name that no knowledge file holds (plain text: callers escape `name` for display)."""
    return f"No role named “{name}”. Roles: {', '.join(roles)}."


def greeting(roles: tuple[str, ...]) -> str:
    """The reply to a greeting."""
    return f"Hi! Ask me anything about {topic(roles)}: duties, skills, certifications, career."


def empty_question(roles: tuple[str, ...], how: str = "/ask question:") -> str:
    """What to say to an empty question, with an example of how to ask."""
    return f"Ask me a question about {topic(roles)}, e.g. `{how} how many years of experience?`"


def no_entry(name: str, closest: tuple[str, ...]) -> str:
    """An entry name that matches nothing, with the closest ids (plain text: callers escape `name` for display)."""
    suggestions = ", ".join(closest) if closest else "none"
    return f"No entry named “{name}”. Closest: {suggestions}."
