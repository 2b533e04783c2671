"""The remote commands' pieces without a server: tables print figures exactly as the API
sent them, and API failures become one Dutch message with the right exit code."""

from __future__ import annotations

import httpx
import pytest

from server.remote.client import EXIT_REFUSED, EXIT_UNREACHABLE, Remote, RemoteError
from server.remote.results_view import render
from server.remote.tables import HIDDEN, table

PAIRWISE = {
    "ballot": 4,
    "method": "pairwise",
    "k": 5,
    "state": "open",
    "voters": 12,
    "items": [
        {"id": 8, "title": "Wonen", "score": 81.5, "low": 70.1, "high": 90.2, "wins": 15,
         "losses": 0, "undecided": "<5"},
        {"id": 9, "title": "Zorg", "score": 18.5, "low": 9.8, "high": 29.9, "wins": None,
         "losses": 15, "undecided": "<5"},
    ],
    "answers": {"decided": 27, "undecided": 3},
    "groups": [
        {
            "dimension": "office",
            "sizes": {"burgemeester": 8, "griffier": "<5", "totaal": 12},
            "groups": [
                {"group": "burgemeester", "size": 8, "items": [
                    {"id": 8, "score": 80.0, "low": 60.0, "high": 95.0, "wins": 8,
                     "losses": 0, "undecided": 0}]},
                {"group": "griffier", "size": "<5", "items": None},
            ],
        }
    ],
}  # fmt: skip


def cells(output: str, text: str) -> list[str]:
    """The cells of the first line that mentions text (the overall table comes first)."""
    return next(line for line in output.splitlines() if text in line).split()


def test_pairwise_results_keep_suppressed_figures_as_the_api_sent_them() -> None:
    shown = render(PAIRWISE)
    assert "stap Voorkeuren: open; stemmers: 12; k = 5." in shown
    assert cells(shown, "Wonen") == ["1", "8", "Wonen", "81.5", "70.1", "90.2", "15", "0", "<5"]
    assert cells(shown, "Zorg") == ["2", "9", "Zorg", "18.5", "9.8", "29.9", HIDDEN, "15", "<5"]
    assert "Antwoorden: 27 met een keuze, 3 'kan niet kiezen'." in shown
    assert "Per functie (totaal 12):" in shown
    assert cells(shown, "griffier")[:2] == ["griffier", "<5"]
    assert "(te klein)" in shown
    assert shown.splitlines()[-1].startswith(f"{HIDDEN} = niet getoond")


def test_statements_show_stances_opinion_groups_and_consensus() -> None:
    results = {
        "ballot": 2,
        "method": "statements",
        "k": 5,
        "state": "closed",
        "voters": 12,
        "items": [{"id": 1, "title": "Iedereen eens", "agree": 12, "disagree": "<5",
                   "pass": "<5", "seen": 12}],
        "groups": [],
        "opinion_groups": {"k": 2, "groups": ["A", "B"], "silhouette": 0.61,
                           "explained_variance": [0.5], "sizes": {"A": 6, "B": 6}},
        "consensus": {"over": "opinion", "groups": ["A", "B"], "scores": []},
    }  # fmt: skip
    shown = render(results)
    assert cells(shown, "Iedereen") == ["1", "1", "Iedereen", "eens", "12", "<5", "<5", "12"]
    assert "Opiniegroepen: A: 6, B: 6 (silhouet 0.61)." in shown
    assert "Consensus over opiniegroep: A, B" in shown
    assert HIDDEN not in shown


def test_tables_align_figures_right_and_text_left() -> None:
    assert table(["groep", "n"], [["Utrecht", 11], ["Groningen", "<5"]]).splitlines() == [
        "groep       n",
        "---------  --",
        "Utrecht    11",
        "Groningen  <5",
    ]


def remote(handler: httpx.MockTransport) -> Remote:
    return Remote("http://dialoog.test/", transport=handler)


def test_the_servers_dutch_message_and_row_errors_are_what_the_user_sees() -> None:
    body = {"error": {"code": "invalid", "message": "Het bestand klopt niet.",
                      "detail": {"errors": ["Regel 3: onbekende provincie."]}}}  # fmt: skip
    answer = remote(httpx.MockTransport(lambda _: httpx.Response(400, json=body)))
    with pytest.raises(RemoteError) as refused:
        answer.call("GET", "/api/x")
    assert refused.value.exit_code == EXIT_REFUSED
    assert refused.value.message == "Het bestand klopt niet.\n  Regel 3: onbekende provincie."


def test_a_proxy_page_or_a_dead_server_is_explained_not_dumped() -> None:
    proxy = remote(httpx.MockTransport(lambda _: httpx.Response(502, text="<html>Bad")))
    with pytest.raises(RemoteError) as bad_gateway:
        proxy.call("GET", "/api/x")
    assert "HTTP 502" in bad_gateway.value.message and "<html>" not in bad_gateway.value.message

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(RemoteError) as down:
        remote(httpx.MockTransport(refuse)).call("GET", "/api/x")
    assert down.value.exit_code == EXIT_UNREACHABLE
    assert down.value.message.startswith("kan de server op http://dialoog.test niet bereiken")
