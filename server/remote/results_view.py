"""`dialoog ballots results` as text: the overall table, per group and weighted.

Only formatting: every figure is printed as the API sent it, so what suppression hides on
screen stays hidden here ("<5" stays "<5"; a hidden cell is a dash, never 0).
"""

from __future__ import annotations

from typing import Any

from server.remote.labels import DIMENSIONS, MEASURES, METHODS, STEP_STATES, dutch
from server.remote.tables import HIDDEN_NOTE, cell, has_hidden, shorten, table

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "dots": [("stemmers", "voters"), ("stippen", "dots")],
    "pairwise": [
        ("score", "score"),
        ("laag", "low"),
        ("hoog", "high"),
        ("gewonnen", "wins"),
        ("verloren", "losses"),
        ("onbeslist", "undecided"),
    ],
    "statements": [
        ("eens", "agree"),
        ("oneens", "disagree"),
        ("pas", "pass"),
        ("gezien", "seen"),
    ],
}


def _item_rows(method: str, items: list[dict[str, Any]], titles: dict[int, str]) -> list[list[Any]]:
    keys = [key for _, key in COLUMNS.get(method, [])]
    return [
        [
            row["id"],
            shorten(titles.get(row["id"], row.get("title", ""))),
            *(row.get(k) for k in keys),
        ]
        for row in items
    ]


def _overall(results: dict[str, Any], titles: dict[int, str]) -> list[str]:
    method = results["method"]
    headers = ["#", "id", "voorstel", *(name for name, _ in COLUMNS.get(method, []))]
    rows = [[n, *row] for n, row in enumerate(_item_rows(method, results["items"], titles), 1)]
    out = [table(headers, rows)] if rows else ["Dit stembiljet heeft (nog) geen voorstellen."]
    if answers := results.get("answers"):
        out.append(
            f"Antwoorden: {cell(answers.get('decided'))} met een keuze, "
            f"{cell(answers.get('undecided'))} 'kan niet kiezen'."
        )
    return out


def _groups(results: dict[str, Any], titles: dict[int, str]) -> tuple[list[str], bool]:
    """Per asked dimension: each group's size and its rows (a group too small: a dash)."""
    method = results["method"]
    out: list[str] = []
    hidden = False
    for block in results.get("groups", []):
        headers = ["groep", "omvang", "id", "voorstel", *(n for n, _ in COLUMNS.get(method, []))]
        rows: list[list[Any]] = []
        for group in block["groups"]:
            items = group.get("items")
            if not items:  # pairwise: no scores fitted for a group under k
                blank = [None] * len(COLUMNS.get(method, []))
                rows.append([group["group"], group.get("size"), None, "(te klein)", *blank])
                continue
            for row in _item_rows(method, items, titles):
                rows.append([group["group"], group.get("size"), *row])
        total = (block.get("sizes") or {}).get("totaal")
        label = dutch(DIMENSIONS, block["dimension"])
        out += [
            "",
            f"Per {label}" + (f" (totaal {cell(total)})" if total is not None else "") + ":",
        ]
        out.append(table(headers, rows))
        hidden = hidden or has_hidden(rows)
    return out, hidden


def _estimate(value: Any) -> str:
    if not isinstance(value, dict):
        return cell(value)
    return f"{cell(value.get('mean'))} [{cell(value.get('low'))}–{cell(value.get('high'))}]"


def _weighted(weighted: dict[str, Any], titles: dict[int, str]) -> tuple[list[str], bool]:
    label = dutch(DIMENSIONS, weighted.get("dimension"))
    out = ["", f"Gewogen naar {label} (populatie {cell(weighted.get('population_total'))}):"]
    groups = weighted.get("groups") or []
    rows = [
        [g["group"], g.get("population"), g.get("voters"), g.get("weight"), g.get("represents")]
        for g in groups
    ]
    if rows:
        out.append(table(["groep", "populatie", "stemmers", "gewicht", "vertegenwoordigt"], rows))
    if weighted.get("missing"):
        out.append("Zonder stemmers: " + ", ".join(map(str, weighted["missing"])) + ".")
    estimates = weighted.get("items")
    if estimates is None:
        out.append(weighted.get("message") or "Geen gewogen schattingen.")
        return out, has_hidden(rows)
    measures = [
        [
            row["id"],
            shorten(titles.get(row["id"], "")),
            dutch(MEASURES, key),
            _estimate(v.get("unweighted")),
            _estimate(v.get("weighted")),
        ]
        for row in estimates
        for key, v in row.items()
        if isinstance(v, dict)
    ]
    out.append(table(["id", "voorstel", "maat", "ongewogen", "gewogen"], measures))
    return out, has_hidden(rows)


def _statements_extras(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if found := results.get("opinion_groups"):
        sizes = found.get("sizes") or {}
        split = ", ".join(f"{g}: {cell(sizes.get(g))}" for g in found.get("groups", []))
        out.append(f"Opiniegroepen: {split} (silhouet {cell(found.get('silhouette'))}).")
    if consensus := results.get("consensus"):
        over = dutch(DIMENSIONS, consensus.get("over"))
        out.append(f"Consensus over {over}: " + ", ".join(map(str, consensus.get("groups", []))))
    return out


def render(results: dict[str, Any]) -> str:
    """The whole answer of GET /api/ballots/{id}/results as readable text."""
    titles = {row["id"]: row.get("title", "") for row in results.get("items", [])}
    head = (
        f"Stembiljet {results['ballot']} ({dutch(METHODS, results['method'])}); "
        f"stap Voorkeuren: {dutch(STEP_STATES, results.get('state'))}; "
        f"stemmers: {cell(results.get('voters'))}; k = {results.get('k')}."
    )
    out = [head, *_overall(results, titles), *_statements_extras(results)]
    hidden = has_hidden(_item_rows(results["method"], results.get("items", []), titles))
    more, hidden_in_groups = _groups(results, titles)
    out += more
    if weighted := results.get("weighted"):
        lines, hidden_in_weights = _weighted(weighted, titles)
        out += lines
        hidden = hidden or hidden_in_weights
    if hidden or hidden_in_groups:
        out += ["", HIDDEN_NOTE]
    return "\n".join(out)
