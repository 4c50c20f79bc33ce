"""How things look on Discord: answer, suggestion, queue and stats embeds, and safe echoing of user text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping

import discord

from bot.core import replies
from bot.core.answering import Answer
from bot.core.gate import Hit, Status
from bot.core.grouping import QuestionGroup
from bot.core.knowledge import Entry, KnowledgeBase
from bot.folding import name_key, visible_words
from bot.store import Origin, Proposal, QueuedQuestion, Stats

log = logging.getLogger(__name__)

AUTOCOMPLETE_LIMIT = 25
COLOUR = discord.Colour.from_rgb(47, 128, 237)
GROUPS_PER_PAGE = 5
SUGGESTIONS_SHOWN = 5  # a "did you mean" lists as many entries as it has buttons: one action row of five
PAGE_CHARS = 4000  # an embed description holds 4,096; one group block is far shorter (its texts are clipped)
PICK_LINES = 3  # members' picks shown under one group; the others are counted


def echo(text: str, limit: int = 200) -> str:
    """User text made safe to show back: no mentions, no markdown, no invisible or control characters, one line."""
    flat = visible_words(text)
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(flat))


def clip(text: str, limit: int) -> str:
    """Trim text to a Discord field limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def jump_url(guild_id: int | None, channel_id: int | None, message_id: int | None) -> str | None:
    """The link that opens a message in Discord."""
    if channel_id is None or message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def origin_of(guild_id: int | None, channel_id: int | None, message_id: int | None) -> Origin:
    """Where a Discord question was asked, with its jump link."""
    return Origin("discord", guild_id, channel_id, message_id, jump_url(guild_id, channel_id, message_id))


def show_question(embed: discord.Embed, question: str) -> None:
    """Put the member's question above the answer, on one line (author names render no mentions or markdown).

    Only its visible words: a bidirectional override would show the line reversed, an escape code as raw bytes.
    """
    embed.set_author(name=clip(f"Q: {visible_words(question)}", 256))


def entry_embed(entry: Entry, question: str | None = None, related: tuple[Hit, ...] = ()) -> discord.Embed:
    """An entry as an answer: its text, its title and section as the citation, and its id."""
    embed = discord.Embed(
        title=clip(entry.title, 256), url=entry.url, description=clip(entry.text, 4096), colour=COLOUR
    )
    if question:
        show_question(embed, question)
    embed.add_field(name="Source", value=clip(f"{entry.role} · {entry.section}", 1024), inline=True)
    embed.add_field(name="Entry", value=f"`{entry.id}`", inline=True)
    if related:
        embed.add_field(
            name="Related", value=clip(", ".join(f"`{hit.entry.id}`" for hit in related), 1024), inline=False
        )
    embed.set_footer(text="Was this helpful? Vote below. Mentors: /faq entry:" + entry.id)
    return embed


def suggestion_embed(question: str, alternatives: tuple[Hit, ...], *, across_roles: bool = False) -> discord.Embed:
    """The "Did you mean…" embed with the plausible entries (each with its role when they differ); buttons post one."""
    shown = alternatives[:SUGGESTIONS_SHOWN]
    several = len({hit.entry.role for hit in shown}) > 1
    lines = [
        f"**{i}.** {discord.utils.escape_markdown(hit.entry.title)}" + (f" · *{hit.entry.role}*" if several else "")
        for i, hit in enumerate(shown, 1)
    ]
    title = replies.WHICH_ROLE if across_roles else "Did you mean…"
    embed = discord.Embed(title=title, description="\n".join(lines), colour=COLOUR)
    show_question(embed, question)
    embed.set_footer(text="I'm not sure enough to answer outright. Pick one to post it.")
    return embed


def partial_embed(question: str, closest: Hit, missing: tuple[str, ...]) -> discord.Embed:
    """The half answer: the detail is not known, the closest passage on the topic is shown as related."""
    embed = discord.Embed(description=replies.partial(missing), colour=discord.Colour.light_grey())
    show_question(embed, question)
    entry = closest.entry
    embed.add_field(name=clip(entry.title, 256), value=clip(entry.text, 1024), inline=False)
    embed.add_field(name="Related", value=f"`{entry.id}`", inline=True)
    embed.set_footer(text="Was this passage helpful? Vote below.")
    return embed


def unknown_embed(question: str) -> discord.Embed:
    """The honest abstention."""
    embed = discord.Embed(description=replies.UNKNOWN, colour=discord.Colour.light_grey())
    show_question(embed, question)
    return embed


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed for the core's Answer: the entry, the "did you mean" list, the abstention or the small-talk reply."""
    verdict = answer.verdict
    if answer.status is Status.SMALLTALK or verdict is None:
        return discord.Embed(description=answer.reply, colour=COLOUR)
    if verdict.answer is not None:
        return entry_embed(verdict.answer.entry, answer.question, verdict.alternatives)
    if answer.status is Status.PARTIAL and verdict.best is not None:
        return partial_embed(answer.question, verdict.best, verdict.missing)
    if answer.status is Status.SUGGEST:
        return suggestion_embed(answer.question, verdict.alternatives, across_roles=answer.across_roles)
    return unknown_embed(answer.question)


def entry_choices(
    knowledge: KnowledgeBase, current: str, roles: Collection[str] | None = None
) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices for an entry option: at most 25, best first, typo tolerant; of `roles` only if given."""
    return [
        discord.app_commands.Choice(name=clip(f"{entry.title} ({entry.id})", 100), value=entry.id)
        for entry in knowledge.lookup(current, AUTOCOMPLETE_LIMIT, roles=roles)
    ]


def role_choices(roles: tuple[str, ...], current: str) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices for a role option: the roles whose name contains what was typed, at most 25."""
    typed = " ".join(current.casefold().split())
    return [
        discord.app_commands.Choice(name=clip(role, 100), value=role) for role in roles if typed in role.casefold()
    ][:AUTOCOMPLETE_LIMIT]


def describe(question: QueuedQuestion) -> str:
    """One queue item: id, question, count, last asked, jump link, and what happened to it."""
    line = f"**#{question.id}** “{echo(question.text, 150)}” ×{question.ask_count} · last {question.last_asked_at[:10]}"
    if question.jump_url:
        line += f" · [jump]({question.jump_url})"
    if question.rejected_entry_id:
        line += f" · 👎 on `{question.rejected_entry_id}`"
    if question.unsure:
        line += " · unsure (did you mean / partial)"
    if question.status == "answered":
        line += f" · answered by `{question.answer_entry_id}`"
    elif question.status == "dismissed":
        line += f" · dismissed: {echo(question.dismiss_reason or '', 80)}"
    return line


def group_block(
    group: QuestionGroup,
    proposals: Mapping[int, tuple[Proposal, ...]] | None = None,
    buttoned: Collection[int] = (),
) -> str:
    """A group: its representative, then its other phrasings, then what members picked for any of them.

    At most PICK_LINES picks are shown, most picked first (the rest counted), so one group always fits a page; only
    the picks in `buttoned` (proposal ids) have Confirm and Reject buttons under the list, the others head its menu.
    """
    lines = [describe(group.representative)]
    others = group.others
    if others:
        lines[0] = f"**{group.total_count} asks in {len(group.members)} phrasings** · " + lines[0]
        lines += [f"  ↳ #{q.id} “{echo(q.text, 90)}” ×{q.ask_count}" for q in others[:4]]
        if len(others) > 4:
            lines.append(f"  ↳ … {len(others) - 4} more")
    picks = sorted(
        (p for question in group.members for p in (proposals or {}).get(question.id, ())),
        key=lambda p: (p.id not in buttoned, -p.picks),
    )
    for p in picks[:PICK_LINES]:
        how = "confirm or reject it below" if p.id in buttoned else "pick it in the menu to confirm it"
        lines.append(f"  💡 members picked `{p.entry_id}` ×{p.picks} for #{p.question_id}: {how}")
    if len(picks) > PICK_LINES:
        lines.append(f"  💡 … {len(picks) - PICK_LINES} more pick(s)")
    return "\n".join(lines)


def queue_chunks(
    groups: list[QuestionGroup],
    *,
    proposals: Mapping[int, tuple[Proposal, ...]] | None = None,
    fits: Callable[[list[QuestionGroup]], bool] | None = None,
    buttoned: Collection[int] = (),
) -> list[list[QuestionGroup]]:
    """The groups of each page: a few whole groups, within an embed's size and what `fits` the page's controls."""
    chunks: list[list[QuestionGroup]] = [[]]
    size = 0
    for group in groups:
        block = len(group_block(group, proposals, buttoned)) + 2
        current = chunks[-1]
        full = len(current) >= GROUPS_PER_PAGE or size + block > PAGE_CHARS
        if current and (full or (fits is not None and not fits([*current, group]))):
            chunks.append([])
            size = 0
        chunks[-1].append(group)
        size += block
    return chunks


def queue_pages(
    groups: list[QuestionGroup],
    title: str,
    *,
    proposals: Mapping[int, tuple[Proposal, ...]] | None = None,
    fits: Callable[[list[QuestionGroup]], bool] | None = None,
    buttoned: Collection[int] = (),
) -> list[discord.Embed]:
    """Split the groups into embeds of a few whole groups each: a page never ends in the middle of a link."""
    if not groups:
        return [discord.Embed(title=title, description="Nothing here. 🎉", colour=discord.Colour.green())]
    chunks = queue_chunks(groups, proposals=proposals, fits=fits, buttoned=buttoned)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        description = "\n\n".join(group_block(group, proposals, buttoned) for group in chunk)
        embed = discord.Embed(title=title, description=description, colour=discord.Colour.orange())
        how = "pick an entry below to resolve, or Dismiss" if fits is not None else "/unanswered resolve id entry"
        embed.set_footer(text=f"Page {number}/{len(chunks)} · {how} · /unanswered dismiss id reason")
        pages.append(embed)
    return pages


def stats_embed(windows: list[Stats], gaps: list[QuestionGroup]) -> discord.Embed:
    """Questions, answer and abstain rates, votes per entry and the top gaps."""
    embed = discord.Embed(title="faqbot stats", colour=discord.Colour.blurple())
    for stats in windows:
        embed.add_field(
            name=f"Last {stats.days} days",
            value=replies.stats_summary(stats.asked, stats.answered, stats.suggested, stats.unknown, stats.partial),
            inline=True,
        )
    votes = windows[-1].votes
    if votes:
        lines = [f"`{v.entry_id}` 👍 {v.up} · 👎 {v.down}" for v in votes[:10]]
        embed.add_field(name=f"Votes per entry ({windows[-1].days} days)", value="\n".join(lines), inline=False)
    if gaps:
        lines = [f"×{g.total_count} “{echo(g.representative.text, 80)}” (#{g.representative.id})" for g in gaps[:5]]
        embed.add_field(name="Top gaps (open)", value="\n".join(lines), inline=False)
    return embed


def help_embed(
    knowledge: KnowledgeBase,
    answer_channels: tuple[int, ...],
    *,
    mentor: bool,
    editor: bool,
    roles: tuple[str, ...] | None = None,
) -> discord.Embed:
    """/help: what the bot knows and how to ask it, with the mentors' and editors' commands for those who have them.

    `roles` are the roles the server covers (default: every role loaded); the entries and sections counted are theirs.
    """
    roles = roles or knowledge.roles
    covered = {name_key(role) for role in roles}
    entries = [entry for entry in knowledge.entries if name_key(entry.role) in covered] or list(knowledge.entries)
    sections = list(dict.fromkeys(entry.section for entry in entries))
    lines = [
        f"I answer questions about **{replies.topic(roles)}** from a curated knowledge base "
        f"({len(entries)} entries: {', '.join(sections[:6])}, …).",
        "",
        "**Ask me**",
        f"• `/ask question:` anything about {replies.topic(roles)}, in your own words",
        "• mention me with your question, or send me a DM",
    ]
    if answer_channels:
        lines.append("• or just ask in " + " ".join(f"<#{channel}>" for channel in answer_channels))
    if len(knowledge.roles) > 1:
        lines.append("• name the role in your question, or pick it with `/ask role:`")
    lines += [
        "• `/faq entry:` shows a specific entry by id or title",
        "",
        "When I'm not sure I'll say so, and pass your question to the editors. 👍 / 👎 under an answer helps.",
    ]
    if mentor:
        lines += [
            "",
            "**Mentors**",
            "• `/faq entry: member:` posts an entry for someone (mentions only them)",
            "• right-click a message → Apps → **Answer with FAQ** replies to it with the best answer",
        ]
    if editor:
        lines += [
            "",
            "**Editors**",
            "• `/unanswered list`, `/unanswered resolve`, `/unanswered dismiss`: the questions I couldn't answer",
            "• `/knowledge reload`: load edited knowledge without a restart",
            "• `/knowledge forget`: undo a phrasing taught here by mistake",
            "• `/stats`: questions, answer rate, votes and top gaps",
        ]
    return discord.Embed(title="faqbot help", description="\n".join(lines), colour=discord.Colour.blurple())
