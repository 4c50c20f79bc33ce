"""What the `faqbot` command prints: answers as text or JSON, summaries, tables and queue records."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bot.cli.text import clipped, json_text, shown, shown_block
from bot.core import replies
from bot.core.answering import Answer
from bot.core.gate import Status
from bot.core.knowledge import KnowledgeBase
from bot.evaluation.scoring import Scores
from bot.store import Proposal, QueuedQuestion

__all__ = [
    "answer_to_json",
    "answer_to_text",
    "clipped",
    "json_text",
    "print_summary",
    "question_record",
    "scores_table",
    "shown",
    "shown_block",
]


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The --json shape of one answer."""
    verdict = answer.verdict
    hit = verdict.answer if verdict else None
    return {
        "question": answer.question,
        "status": answer.status.value,
        "score": round(answer.score, 4),
        "confidence": round(verdict.confidence, 4) if verdict else None,
        **({"missing": list(verdict.missing)} if verdict and verdict.missing else {}),
        "answer": None
        if hit is None
        else {
            "id": hit.entry.id,
            "title": hit.entry.title,
            "section": hit.entry.section,
            "role": hit.entry.role,
            "text": hit.entry.text,
        },
        "alternatives": [
            {"id": alt.entry.id, "title": alt.entry.title, "role": alt.entry.role, "score": round(alt.score, 4)}
            for alt in (verdict.alternatives if verdict else ())
        ],
        **({"reply": answer.reply} if answer.reply else {}),
    }


def answer_to_text(answer: Answer, *, cite_role: bool = False) -> str:
    """A human rendering of one answer, with the knowledge's text made safe to print; `cite_role` names the role."""
    if answer.status is Status.SMALLTALK:
        return answer.reply or ""
    verdict = answer.verdict
    assert verdict is not None
    if verdict.answer is not None:
        entry = verdict.answer.entry
        where = f"{entry.role} · {entry.section}" if cite_role else entry.section
        lines = [
            f"{shown(entry.title)}  [{shown(where)} · {entry.id} · score {verdict.score:.2f}]",
            "",
            shown_block(entry.text),
        ]
        if verdict.alternatives:
            lines += ["", "Related: " + ", ".join(alt.entry.id for alt in verdict.alternatives)]
        return "\n".join(lines)
    if answer.status is Status.PARTIAL and verdict.best is not None:
        entry = verdict.best.entry
        where = f"{entry.role} · {entry.section}" if cite_role else entry.section
        return "\n".join(
            [
                shown(replies.partial(verdict.missing)),
                "",
                f"{shown(entry.title)}  [{shown(where)} · {entry.id}]",
                "",
                shown_block(entry.text),
            ]
        )
    if answer.status is Status.SUGGEST:
        lines = [replies.WHICH_ROLE if answer.across_roles else replies.SUGGEST_INTRO]
        lines += [
            f"  - {shown(alt.entry.title)}  [{shown(f'{alt.entry.role} · ') if cite_role else ''}{alt.entry.id}]"
            for alt in verdict.alternatives
        ]
        return "\n".join(lines)
    return replies.UNKNOWN if answer.logged_question_id is not None else replies.UNKNOWN_NOT_PASSED


def print_summary(knowledge: KnowledgeBase) -> None:
    """Print what `knowledge check` found: files, entries per section, phrasings, synonyms."""
    out = sys.stdout
    phrasings = sum(len(entry.questions) for entry in knowledge.entries)
    out.write(f"OK: {len(knowledge.entries)} entries in {len(knowledge.files)} file(s), ")
    out.write(f"{phrasings} extra phrasings, {len(knowledge.synonyms)} synonym groups\n")
    for path in knowledge.files:
        out.write(f"  file {shown(str(path))}\n")
    if len(knowledge.roles) > 1:
        for role in knowledge.roles:
            count = sum(entry.role == role for entry in knowledge.entries)
            out.write(f"  role {shown(role)}: {count} entries\n")
    for section in knowledge.sections:
        count = sum(entry.section == section for entry in knowledge.entries)
        out.write(f"  {count:3d}  {shown(section)}\n")


def scores_table(results: list[Scores]) -> str:
    """A Markdown table of the eval figures."""
    header = (
        "| system | answerable accuracy | wrong answers | off-topic abstention | overall accuracy "
        "| MRR@5 | CLINC150 false answers |\n|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {s.system} | {s.answerable_accuracy:.3f} | {s.wrong_answer_rate:.3f} | {s.offtopic_abstention:.3f} "
        f"| {s.overall_accuracy:.3f} | {s.mrr_at_5:.3f} | "
        + ("n/a" if s.clinc_false_answer_rate is None else f"{s.clinc_false_answer_rate:.2%}")
        + " |"
        for s in results
    ]
    return "\n".join([header, *rows])


def queue_status(question: QueuedQuestion) -> str:
    """A queue item's status for `unanswered list`, with "unsure" when the bot gave a did-you-mean or partial answer."""
    return f"{question.status} unsure" if question.unsure else question.status


def untold_note(waiting: int) -> str:
    """What `unanswered resolve` says about members who asked on Discord: the command line cannot tell them."""
    if not waiting:
        return ""
    return (
        f" {waiting} member(s) who asked on Discord were not told (the command line has no Discord connection);"
        " resolve it again with /unanswered resolve to tell them."
    )


def question_record(
    question: QueuedQuestion, group_of: dict[int, int], proposals: Sequence[Proposal] | None = None
) -> dict[str, Any]:
    """A queued question as a flat JSON-ready record; with `proposals`, the members' open picks for it."""
    record = asdict(question)
    record["group"] = group_of.get(question.id, question.id)
    record["places"] = [asdict(place) for place in question.places]
    if proposals is not None:
        record["proposals"] = [{"id": p.id, "entry": p.entry_id, "picks": p.picks} for p in proposals]
    return record
