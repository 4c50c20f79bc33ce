"""Hubness: an entry that comes near every question is damped, and only when asked for."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.hubness import hub_factors, reference_questions
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.retriever import TfidfRetriever


def entry(id_: str, title: str, text: str, *questions: str) -> Entry:
    return Entry(id=id_, title=title, section="S", text=text, role="R", source="r.yaml", questions=questions)


HUB_TEXT = "lamp lens wick oil logbook storm radio fog horn keeper tower shift rota boat dock wage"
KNOWLEDGE = KnowledgeBase(
    entries=(
        entry("hub", "Everything about the lighthouse", HUB_TEXT, "lighthouse overview", "all the jobs"),
        entry(
            "lamp", "Trimming the wick", "The keeper trims the lamp wick and polishes the lens.", "who trims the wick"
        ),
        entry("log", "The logbook", "Storms and fog are written in the logbook every watch.", "where do storms go"),
        entry("radio", "Radio checks", "The radio is checked at dawn and dusk.", "when is the radio tested"),
        entry("boat", "The boat", "The supply boat comes to the dock each week.", "when does the boat come"),
        entry("wage", "Pay", "The keeper's wage is paid monthly.", "how is the keeper paid"),
    ),
    synonyms={},
    files=(),
)


def test_an_entry_near_every_reference_question_is_damped_and_no_entry_is_raised() -> None:
    similarities = np.array([[0.9, 0.8, 0.0, 0.1], [0.8, 0.0, 0.7, 0.1], [0.9, 0.1, 0.0, 0.6]], dtype=np.float32)
    factors = hub_factors(similarities, power=0.5, neighbours=2)
    assert factors[0] < 1.0 and np.all(factors <= 1.0)
    assert np.all(hub_factors(similarities, power=0.0) == 1.0)


def test_reference_questions_never_count_for_their_own_entry_and_shrink_for_a_large_knowledge() -> None:
    references = reference_questions(KNOWLEDGE.entries, ["what is the weather"] * 5)
    assert {owner for _, owner in references} <= {-1, *range(len(KNOWLEDGE.entries))}
    assert sum(owner == -1 for _, owner in references) == 5
    many = [entry(str(i), f"title {i}", "text") for i in range(200_000)]
    assert len(reference_questions(many, ["what is the weather"] * 80)) <= 50


def test_the_retriever_damps_its_hubs_only_when_asked() -> None:
    plain = TfidfRetriever(calibrate=False).fit(KNOWLEDGE)
    assert np.all(plain.hub_ == 1.0)  # off by default (README: measured, no gain beyond noise)
    damped = TfidfRetriever(calibrate=False, hub_power=1.0).fit(KNOWLEDGE)
    assert np.all(damped.hub_ <= 1.0) and damped.hub_.min() < 1.0
    hub = KNOWLEDGE.entries[int(np.argmin(damped.hub_))]
    question = hub.questions[0]
    before = {h.entry.id: h.score for h in plain.search(question, k=6).hits}[hub.id]
    after = {h.entry.id: h.score for h in damped.search(question, k=6).hits}[hub.id]
    assert after == pytest.approx(before * float(damped.hub_.min()), abs=1e-3)
