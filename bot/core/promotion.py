"""Turn a gap into knowledge: a ready-to-paste YAML entry built from a queued question and its group."""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

from bot.core.grouping import QuestionGroup
from bot.core.knowledge import KnowledgeBase
from bot.folding import question_key
from bot.store import Learned


def entry_id_for(question: str, knowledge: KnowledgeBase) -> str:
    """A readable id from the question's words, unique in the knowledge base (faq-how-do-i-negotiate-salary)."""
    words = re.findall(r"[a-z0-9]+", question_key(question))[:7] or ["question"]
    base = "faq-" + "-".join(words)
    candidate, number = base, 2
    while knowledge.get(candidate) is not None:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def promotion_yaml(group: QuestionGroup, knowledge: KnowledgeBase) -> str:
    """YAML for a new entry whose title is the question and whose `questions:` are the group's other phrasings.

    Its text is left empty on purpose: the loader rejects an empty text, so the entry cannot go live until an
    editor writes the answer.
    """
    question = group.representative
    title = " ".join(question.text.split())
    entry = {
        "id": entry_id_for(title, knowledge),
        "title": title[:1].upper() + title[1:],
        "section": "Frequently asked questions",
        "text": "",
        "questions": [" ".join(q.text.split()) for q in group.others] or [title.casefold()],
    }
    body = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    lines = [
        f"# From unanswered question #{question.id} (asked {group.total_count} time(s)).",
        "# Write the answer in `text:`, paste under `entries:` in a knowledge file, then /knowledge reload.",
        *("  " + line for line in body.splitlines()),
    ]
    if question.best_entry_id and knowledge.get(question.best_entry_id) is not None:
        lines += [
            "",
            f"# Or, if entry {question.best_entry_id} already answers it, add these under its questions:",
            *(
                f"      - {yaml.safe_dump(q.text, allow_unicode=True, width=10**6).splitlines()[0]}"
                for q in group.members
            ),
        ]
    return "\n".join(lines) + "\n"


def learned_yaml(learned: Sequence[Learned]) -> str:
    """Learned phrasings as YAML, `questions:` per entry id (in the order taught), for the knowledge files.

    Phrasings exported into the files apply everywhere, also those one server taught; the header says so.
    """
    entries: dict[str, list[str]] = {}
    for item in learned:
        questions = entries.setdefault(item.entry_id, [])
        if item.text not in questions:
            questions.append(item.text)
    header = [
        f"# {len(learned)} learned phrasing(s) of {len(entries)} entry(ies). Add each entry's questions to its",
        "# `questions:` in the knowledge files (they then apply in every server), then remove them with",
        "# `faqbot knowledge learned remove ID`.",
    ]
    if not entries:
        return "\n".join([*header, "{}"]) + "\n"
    body = yaml.safe_dump(
        {entry_id: {"questions": questions} for entry_id, questions in entries.items()},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return "\n".join(header) + "\n" + body
