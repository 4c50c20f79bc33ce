"""Every text the bot says in its own voice, in one place, so the CLI and Discord say the same thing."""

from __future__ import annotations

MAX_QUESTION_CHARS = 1000  # the default of limits.max_question_chars: the CLI and Discord read that setting

UNKNOWN = "I don't know that yet; I've passed it to the editors."
# When the store could not record a question that a reply said was passed on: the member is told the truth.
NOT_PASSED_ON = (
    "Correction: I could not pass that question to the editors just now (my storage is failing). "
    "Please ask again later."
)
UNKNOWN_NOT_PASSED = "I don't know that yet."  # when nothing could be recorded (a read-only database)
SUGGEST_INTRO = "I'm not sure. Did you mean:"
NO_WORDS = "I need a question in words, e.g. how many years of experience?"
WHICH_ROLE = "That depends on the role. Which one do you mean?"


def partial(missing: tuple[str, ...]) -> str:
    """What to say when the knowledge has the question's topic but not the detail asked (the `partial` status)."""
    detail = f" (“{' '.join(missing)}”)" if missing else ""
    return f"I don't have that detail{detail}; I've passed it to the editors. The closest passage I have:"


THANKS = "You're welcome! Ask again any time."
REPLY_TO_ANSWER = (
    "To ask me something new, send it as a new message rather than a reply. "
    "👍 / 👎 under an answer tells the editors how it did."
)
FAREWELL = "Bye! Come back with more questions any time."


def too_long(limit: int) -> str:
    """What to say to a question over the configured length limit."""
    return f"That question is over {limit:,} characters, too long for me. Could you ask it in a sentence or two?"


def stats_summary(asked: int, answered: int, unsure: int, unknown: int, partial: int = 0) -> str:
    """One window of statistics, counts and shares alike: "15 questions: 4 answered (27%), 0 partial (0%), ..."."""
    noun = "question" if asked == 1 else "questions"
    counts = ((answered, "answered"), (partial, "partial"), (unsure, "unsure"), (unknown, "not known"))
    parts = ", ".join(f"{count} {label} ({count / asked if asked else 0:.0%})" for count, label in counts)
    return f"{asked} {noun}: {parts}"


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
    """What to say to an empty question, with an example of how to ask (`how` empty: the question alone, as in a DM)."""
    example = f"{how} how many years of experience?" if how else "how many years of experience?"
    return f"Ask me a question about {topic(roles)}, e.g. `{example}`"


def no_entry(name: str, closest: tuple[str, ...]) -> str:
    """An entry name that matches nothing, with the closest ids (plain text: callers escape `name` for display)."""
    suggestions = ", ".join(closest) if closest else "none"
    return f"No entry named “{name}”. Closest: {suggestions}."


def not_taught_here(phrasing: str) -> str:
    """/knowledge forget with a phrasing this server did not teach (`phrasing` escaped by the caller)."""
    return (
        f"No phrasing “{phrasing}” was taught in this server: pick one from the list as you type. Phrasings taught "
        "from the command line apply everywhere; remove those with `faqbot knowledge learned remove ID`."
    )


REMOVE_PHRASING_FIRST = (
    "Pick that entry, or remove that phrasing first (in Discord: `/knowledge forget`; from the command line: "
    "`faqbot knowledge learned remove ID`)."
)
