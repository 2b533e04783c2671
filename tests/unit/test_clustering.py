"""Theme suggestions on synthetic Dutch contributions about three clear topics."""

from __future__ import annotations

import random
import warnings
from collections import Counter

import pytest

from server.themes.clustering import DUTCH_STOP_WORDS, ThemeSuggestion, suggest_themes

TOPICS: dict[str, list[str]] = {
    # Each topic's words, most frequent first (drawn with Zipf weights 1/rank).
    "woningbouw": [
        "woningbouw",
        "woningen",
        "huurwoningen",
        "starters",
        "bouwlocaties",
        "corporaties",
        "woningnood",
        "flexwoningen",
        "vergunningen",
        "bouwkosten",
        "nieuwbouw",
        "huurders",
        "woningmarkt",
        "koopwoningen",
        "senioren",
        "stikstof",
        "woningzoekenden",
    ],
    "jeugdzorg": [
        "jeugdzorg",
        "jeugdhulp",
        "jongeren",
        "wachtlijsten",
        "kinderen",
        "ouders",
        "gezinnen",
        "zorgaanbieders",
        "hervormingsagenda",
        "huisartsen",
        "scholen",
        "jeugdbescherming",
        "specialistische",
        "wijkteams",
        "pleegzorg",
        "hulpverleners",
        "jeugdigen",
    ],
    "energietransitie": [
        "energietransitie",
        "warmtenet",
        "zonnepanelen",
        "windmolens",
        "isolatie",
        "netcongestie",
        "stroomnet",
        "netbeheerders",
        "aardgasvrij",
        "warmtepompen",
        "energiecoöperaties",
        "zonneparken",
        "energiearmoede",
        "elektriciteitsnet",
        "verduurzaming",
        "klimaatdoelen",
        "laadpalen",
    ],
}
SHARED_WORDS = [
    "het Rijk",
    "geld",
    "de regio",
    "inwoners",
    "samenwerking",
    "budget",
    "de provincie",
    "tijd",
    "capaciteit",
    "personeel",
    "wetgeving",
    "uitvoering",
    "afspraken",
    "draagvlak",
]
FRAMES = [
    "Wij merken dat {a} en {b} onder druk staan door gebrek aan {s}.",
    "Het grootste knelpunt bij {a} is {b}; zonder {s} lukt het niet.",
    "Kunnen we {a} samen met {b} regelen? Dat vraagt {s}.",
    "In onze regio zien we bij {a} vooral problemen met {b} en {c}.",
    "Zorg voor {s} zodat {a} en {c} vooruit kunnen.",
    "{A} blijft achter, terwijl {b} en {c} dringend aandacht vragen.",
    "{A} vraagt om {s} en om betere afstemming over {b}.",
    "Laten we van elkaar leren over {a}, {b} en {c}.",
    "Onze ervaring: {a} werkt pas met {s}, anders stokken {b} en {c}.",
    "Graag meer ruimte voor {a}; {b} verdient prioriteit.",
    "De opgave rond {a} en {b} is groot, ook voor {s}.",
    "Voor {a} is {s} nodig, net als duidelijkheid over {c}.",
]


def corpus(per_topic: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Shuffled texts of two or three sentences each, and the topic of each text."""
    rng = random.Random(seed)
    items = []
    for topic, words in TOPICS.items():
        weights = [1 / rank for rank in range(1, len(words) + 1)]
        for _ in range(per_topic):
            sentences = [_sentence(rng, words, weights) for _ in range(rng.randint(2, 3))]
            items.append((" ".join(sentences), topic))
    rng.shuffle(items)
    return [text for text, _ in items], [topic for _, topic in items]


def _sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    picked: list[str] = []
    while len(picked) < 3:
        word = rng.choices(words, weights)[0]
        if word not in picked:
            picked.append(word)
    a, b, c = picked
    frame = rng.choice(FRAMES)
    return frame.format(a=a, A=a.capitalize(), b=b, c=c, s=rng.choice(SHARED_WORDS))


def purity(suggestions: list[ThemeSuggestion], topics: list[str]) -> float:
    """The share of texts that sit in a theme whose majority has their topic."""
    agree = sum(Counter(topics[i] for i in s.members).most_common(1)[0][1] for s in suggestions)
    return agree / len(topics)


def test_no_texts_no_themes() -> None:
    assert suggest_themes([]) == []


def test_texts_without_meaningful_words_give_no_themes() -> None:
    assert suggest_themes(["", "   ", "en de het", "12 34"]) == []


def test_one_text_is_one_theme_labelled_by_its_own_words() -> None:
    [theme] = suggest_themes(["De jeugdzorg heeft lange wachtlijsten voor jongeren."])
    assert theme.members == [0]
    assert "jeugdzorg" in theme.keywords
    assert theme.label[0].isupper()


def test_a_few_texts_on_two_topics_are_split() -> None:
    texts = [
        "Meer woningen bouwen voor starters, de woningbouw moet sneller.",
        "De jeugdzorg kampt met wachtlijsten en tekorten.",
        "Woningbouw voor starters vraagt snellere vergunningen.",
        "Wachtlijsten in de jeugdzorg raken kwetsbare jongeren.",
    ]
    themes = suggest_themes(texts)
    assert sorted(sorted(t.members) for t in themes) == [[0, 2], [1, 3]]


def test_three_clear_topics_separate_and_are_labelled_by_their_words() -> None:
    texts, topics = corpus(per_topic=40)
    themes = suggest_themes(texts)
    assert len(themes) == 3
    assert purity(themes, topics) >= 0.95
    for theme in themes:
        topic = Counter(topics[i] for i in theme.members).most_common(1)[0][0]
        assert topic in theme.keywords[:3], theme


def test_every_usable_text_is_in_exactly_one_theme() -> None:
    texts, _ = corpus(per_topic=15)
    texts.insert(5, "")
    members = [i for theme in suggest_themes(texts) for i in theme.members]
    assert sorted(members) == [i for i in range(len(texts)) if i != 5]


def test_suggestions_are_deterministic() -> None:
    texts, _ = corpus(per_topic=20, seed=3)
    assert suggest_themes(texts) == suggest_themes(list(texts))


def test_hundreds_of_texts_are_handled() -> None:
    texts, topics = corpus(per_topic=150, seed=11)
    themes = suggest_themes(texts, max_themes=8)
    assert 3 <= len(themes) <= 8
    assert purity(themes, topics) >= 0.95


def test_max_themes_caps_the_number_of_suggestions() -> None:
    texts, _ = corpus(per_topic=20)
    assert len(suggest_themes(texts, max_themes=2)) <= 2
    assert len(suggest_themes(texts, max_themes=1)) == 1


def test_max_themes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        suggest_themes(["woningbouw"], max_themes=0)


def test_themes_come_largest_first_with_scores_between_zero_and_one() -> None:
    texts, _ = corpus(per_topic=10)
    texts += [f"Woningbouw voor starters en senioren, variant {i}." for i in range(10)]
    themes = suggest_themes(texts)
    sizes = [len(theme.members) for theme in themes]
    assert sizes == sorted(sizes, reverse=True)
    assert all(0.0 <= theme.score <= 1.0 for theme in themes)


def test_labels_use_written_words_not_stems_or_stop_words() -> None:
    texts, _ = corpus(per_topic=20)
    for theme in suggest_themes(texts):
        assert 1 <= len(theme.keywords) <= 5
        assert not set(theme.keywords) & DUTCH_STOP_WORDS
        written = " ".join(texts).lower()
        assert all(word in written for word in theme.keywords)
        assert theme.label.lower().startswith(theme.keywords[0])


def test_identical_texts_form_one_theme_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        themes = suggest_themes(["Woningbouw voor starters."] * 12)
    assert [theme.members for theme in themes] == [list(range(12))]
