"""Measure answer quality on a labelled question set and an off-domain set."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.answering import Answerer
from bot.core.gate import Status
from bot.core.knowledge import KnowledgeBase
from bot.errors import FaqbotError

MRR_DEPTH = 5


@dataclass(frozen=True)
class LabelledQuestion:
    """An eval question and the ids of the entries that answer it (`primary`: the first listed, the labeller's pick)."""

    text: str
    ids: frozenset[str]
    primary: str = ""


@dataclass(frozen=True)
class EvalSet:
    """Answerable questions with their answers, and questions the bot must not answer."""

    answerable: tuple[LabelledQuestion, ...]
    offtopic: tuple[str, ...]


@dataclass(frozen=True)
class Prediction:
    """What a system did with one question: whether it answered, and its ranked entry ids."""

    answered: bool
    ranking: tuple[str, ...]


@dataclass(frozen=True)
class Scores:
    """The figures `faqbot eval` prints for one system."""

    system: str
    answerable_accuracy: float
    wrong_answer_rate: float
    offtopic_abstention: float
    overall_accuracy: float
    mrr_at_5: float
    clinc_false_answer_rate: float | None


def load_eval_set(path: Path, knowledge: KnowledgeBase) -> EvalSet:
    """Read eval/questions.yaml and check every id it names exists in the knowledge."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FaqbotError(f"eval set not found: {path}") from None
    except yaml.YAMLError as error:
        raise FaqbotError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("answerable"), list):
        raise FaqbotError(f"{path}: expected 'answerable' and 'offtopic' lists")
    answerable = []
    for index, item in enumerate(data["answerable"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item.get("ids"):
            raise FaqbotError(f"{path}: answerable #{index} needs 'q' and 'ids'")
        unknown = [entry_id for entry_id in item["ids"] if knowledge.get(entry_id) is None]
        if unknown:
            raise FaqbotError(f"{path}: answerable #{index} names unknown entry id(s) {', '.join(unknown)}")
        answerable.append(LabelledQuestion(item["q"], frozenset(item["ids"]), str(item["ids"][0])))
    offtopic = tuple(str(q) for q in data.get("offtopic") or ())
    return EvalSet(tuple(answerable), offtopic)


def load_offdomain(path: Path) -> tuple[str, ...]:
    """Read the CLINC150 off-domain queries (a JSON object with a 'queries' list)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FaqbotError(f"off-domain set not found: {path}") from None
    except json.JSONDecodeError as error:
        raise FaqbotError(f"{path}: not valid JSON: {error}") from None
    return tuple(str(q) for q in data["queries"])


def score_system(
    name: str,
    predict: Callable[[str], Prediction],
    eval_set: EvalSet,
    offdomain: Sequence[str] = (),
) -> Scores:
    """Run one system over the eval set (and the off-domain set) and compute its figures."""
    correct = wrong = 0
    reciprocal_ranks = 0.0
    for question in eval_set.answerable:
        prediction = predict(question.text)
        if prediction.answered and prediction.ranking[0] in question.ids:
            correct += 1
        elif prediction.answered:
            wrong += 1
        for rank, entry_id in enumerate(prediction.ranking[:MRR_DEPTH], start=1):
            if entry_id in question.ids:
                reciprocal_ranks += 1 / rank
                break
    abstained = sum(not predict(question).answered for question in eval_set.offtopic)
    total = len(eval_set.answerable) + len(eval_set.offtopic)
    clinc = None
    if offdomain:
        clinc = sum(predict(question).answered for question in offdomain) / len(offdomain)
    n = max(len(eval_set.answerable), 1)
    return Scores(
        system=name,
        answerable_accuracy=correct / n,
        wrong_answer_rate=wrong / n,
        offtopic_abstention=abstained / max(len(eval_set.offtopic), 1),
        overall_accuracy=(correct + abstained) / max(total, 1),
        mrr_at_5=reciprocal_ranks / n,
        clinc_false_answer_rate=clinc,
    )


def faqbot_predictor(answerer: Answerer, roles: Collection[str] | None = None) -> Callable[[str], Prediction]:
    """Faqbot's own answer path (small talk, retrieval, gate) as a predictor, asked in a server covering `roles`."""

    def predict(question: str) -> Prediction:
        answer = answerer.judge(question, roles=roles)
        hits = answerer.search(question, roles=roles, k=MRR_DEPTH).hits[:MRR_DEPTH]
        ranking = tuple(hit.entry.id for hit in hits)
        return Prediction(answer.status is Status.ANSWERED, ranking)

    return predict
