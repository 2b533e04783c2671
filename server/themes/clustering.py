"""Theme suggestions: group contributions by the words they share.

In Verzamelen and Verkennen a facilitator reads hundreds of short Dutch texts and
forms themes. This module proposes a first grouping to start from, never a verdict:
TF-IDF over stemmed Dutch words (Snowball ``dutch``, stop words removed), KMeans
with a fixed seed, and the number of themes chosen by the silhouette (cosine) over
2 … ``max_themes``, preferring fewer themes when a finer split is barely better and
offering one theme when no split has any structure. A suggestion's label is made of
its top keywords in the form people actually wrote (the most frequent word behind
each stem).

Deterministic: the same texts in the same order give the same suggestions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import snowballstemmer
from scipy.sparse import csr_matrix
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

RANDOM_STATE: Final = 0
KMEANS_RUNS: Final = 5
"""KMeans restarts per k; more rarely change the result on short texts and cost time."""
KEYWORDS_PER_THEME: Final = 5
LABEL_WORDS: Final = 3
MIN_WORD_CHARS: Final = 3
"""Shorter words are almost all function words or abbreviations without meaning here."""
MIN_SILHOUETTE: Final = 0.02
"""Below this the best split is noise: the texts are offered as one theme."""
SILHOUETTE_TOLERANCE: Final = 0.01
"""A finer split must beat a coarser one by more than this: fewer themes are easier
to work with, and on short texts small silhouette differences are noise."""
SILHOUETTE_SAMPLE: Final = 1000
"""The silhouette is quadratic in the number of texts; beyond this it is sampled."""

_WORD: Final = re.compile(r"[^\W\d_]+")

_SNOWBALL_STOP_WORDS: Final = """
aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door
dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun
iemand iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar
niet niets nog nu of om omdat onder ons ook op over reeds te tegen toch toen tot u uit
uw van veel voor want waren was wat werd wezen wie wil worden wordt zal ze zelf zich
zij zijn zo zonder zou
"""
"""The Snowball project's Dutch stop word list (snowballstem.org, BSD licence)."""

_DIALOGUE_STOP_WORDS: Final = """
alle allemaal beter bijvoorbeeld binnen daarbij daarom daardoor daarnaast dergelijke
denk denken echt eigen elkaar erg gaan gaat gewoon goed graag heel hele hierbij hierin
juist komen komt laten maken manier mee minder moeten mogen nodig onze staan staat
steeds tussen vaak vanuit via vind vinden volgens waar waarbij waardoor we weer wel
wij willen zeker zien zoals zouden zullen
gemeente gemeenten gemeentelijke vng
"""
"""Words that recur in municipal dialogue contributions without naming a subject:
modal and common verbs, fillers, and the organisations every contribution is about."""

DUTCH_STOP_WORDS: Final = frozenset((_SNOWBALL_STOP_WORDS + _DIALOGUE_STOP_WORDS).split())


@dataclass(frozen=True)
class ThemeSuggestion:
    """A proposed theme: ``members`` index the input texts; ``score`` (0–1) is the mean
    cosine similarity of the members to the theme's centre, i.e. how alike they are."""

    label: str
    keywords: list[str]
    members: list[int]
    score: float


def suggest_themes(texts: Sequence[str], *, max_themes: int = 8) -> list[ThemeSuggestion]:
    """Group texts into at most ``max_themes`` suggested themes, largest first.

    Texts without a meaningful word (empty, only stop words) belong to no theme.
    """
    if max_themes < 1:
        raise ValueError("max_themes must be at least 1")
    tokens = [_words(text) for text in texts]
    usable = [i for i, words in enumerate(tokens) if words]
    if not usable:
        return []
    stem = _stems(tokens)
    matrix, vocabulary = _tfidf([[stem[word] for word in tokens[i]] for i in usable])
    nonzero = np.flatnonzero(matrix.getnnz(axis=1))
    if nonzero.size == 0:
        return []
    matrix = matrix[nonzero]
    usable = [usable[i] for i in nonzero]
    with threadpool_limits(limits=1):  # a request must not take every core of the server
        labels = _cluster(matrix, max_themes)
    surfaces = _surface_forms(tokens, stem)
    suggestions = [
        _suggestion(matrix, labels == label, usable, vocabulary, surfaces)
        for label in np.unique(labels)
    ]
    return sorted(suggestions, key=lambda s: (-len(s.members), -s.score, s.members[0]))


def _words(text: str) -> list[str]:
    """Lower-case words of at least MIN_WORD_CHARS letters, stop words left out."""
    return [
        word
        for word in _WORD.findall(text.lower())
        if len(word) >= MIN_WORD_CHARS and word not in DUTCH_STOP_WORDS
    ]


def _stems(tokens: list[list[str]]) -> dict[str, str]:
    """Each distinct word's Snowball stem; a stemmer per call, as they are not thread-safe."""
    stemmer = snowballstemmer.stemmer("dutch")
    return {word: str(stemmer.stemWord(word)) for word in {w for ws in tokens for w in ws}}


def _identity(words: list[str]) -> list[str]:
    return words


def _tfidf(documents: list[list[str]]) -> tuple[csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows; a stem must occur in two texts once there are ten."""
    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        min_df=2 if len(documents) >= 10 else 1,
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # every stem occurs only once: no shared vocabulary
        vectorizer.set_params(min_df=1)
        matrix = vectorizer.fit_transform(documents)
    return csr_matrix(matrix), vectorizer.get_feature_names_out()


def _cluster(matrix: csr_matrix, max_themes: int) -> np.ndarray:
    """Cluster labels for the fewest themes whose silhouette is near the best, or one."""
    count = matrix.shape[0]
    distinct = len(np.unique(matrix.toarray().round(9), axis=0))
    scored: list[tuple[float, np.ndarray]] = []
    for k in range(2, min(max_themes, count - 1, distinct) + 1):
        kmeans = KMeans(n_clusters=k, n_init=KMEANS_RUNS, random_state=RANDOM_STATE)
        labels = kmeans.fit_predict(matrix)
        if len(np.unique(labels)) > 1:
            scored.append((_silhouette(matrix, labels), labels))
    best = max((score for score, _ in scored), default=0.0)
    if best < MIN_SILHOUETTE:
        return np.zeros(count, dtype=int)
    return next(labels for score, labels in scored if score >= best - SILHOUETTE_TOLERANCE)


def _silhouette(matrix: csr_matrix, labels: np.ndarray) -> float:
    size = min(matrix.shape[0], SILHOUETTE_SAMPLE)
    return float(
        silhouette_score(
            matrix, labels, metric="cosine", sample_size=size, random_state=RANDOM_STATE
        )
    )


def _surface_forms(tokens: list[list[str]], stem: dict[str, str]) -> dict[str, str]:
    """For each stem, the word written most often (alphabetically first on a tie)."""
    counts = Counter(word for words in tokens for word in words)
    forms: dict[str, str] = {}
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        forms.setdefault(stem[word], word)
    return forms


def _suggestion(
    matrix: csr_matrix,
    mask: np.ndarray,
    usable: list[int],
    vocabulary: np.ndarray,
    surfaces: dict[str, str],
) -> ThemeSuggestion:
    rows = matrix[mask]
    centre = np.asarray(rows.mean(axis=0)).ravel()
    order = np.argsort(-centre, kind="stable")
    top = [int(i) for i in order[:KEYWORDS_PER_THEME] if centre[i] > 0]
    keywords = [surfaces.get(str(vocabulary[i]), str(vocabulary[i])) for i in top]
    norm = float(np.linalg.norm(centre))
    cohesion = float(np.mean(rows @ centre) / norm) if norm else 0.0
    return ThemeSuggestion(
        label=_label(keywords),
        keywords=keywords,
        members=[usable[i] for i in np.flatnonzero(mask)],
        score=round(cohesion, 4),
    )


def _label(keywords: list[str]) -> str:
    words = ", ".join(keywords[:LABEL_WORDS])
    return words[:1].upper() + words[1:]
