from bot.core.text import Normalizer, default_stop_words, function_words


def words(text: str) -> list[str]:
    return Normalizer({}).content_words(text)


def test_words_the_knowledge_uses_as_content_survive() -> None:
    assert words("is Go required") == ["go", "required"]
    assert words("how much do they make") == ["make"]
    assert words("who handles on-call?") == ["handles", "call"]
    for word in (
        "call",
        "name",
        "naming",
        "fire",
        "bill",
        "billing",
        "show",
        "find",
        "amount",
        "system",
        "move",
        "top",
    ):
        assert words(f"what about the {word}") == [word]


def test_it_in_capitals_is_a_name_and_lowercase_it_a_pronoun() -> None:
    assert words("IT background needed?") == ["it", "background", "needed"]
    assert words("is it stressful?") == ["stressful"]
    assert words("WHAT IS IT") == []  # shouting, not naming


def test_question_scaffolding_is_dropped() -> None:
    assert words("which certifications should I get?") == ["certifications"]
    assert words("what does a tech lead do") == ["tech", "lead"]


def test_the_index_reads_names_the_same_way_as_questions() -> None:
    normalizer = Normalizer({})
    texts = ["IT background needed?", "is it ok", "WHAT IS IT"]
    vocabulary, ids, offsets = normalizer.number_words(texts)
    for number, text in enumerate(texts):
        assert [vocabulary[i] for i in ids[offsets[number] : offsets[number + 1]]] == normalizer.content_words(text)


def test_the_list_holds_only_closed_class_words() -> None:
    assert {"the", "is", "does", "what", "which", "of", "and", "they", "it"} <= function_words()
    content = {"go", "call", "name", "fire", "bill", "show", "find", "amount", "make", "one", "system", "back"}
    assert not content & default_stop_words()
