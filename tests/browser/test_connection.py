"""The browser's connection: resume by seq, resend un-acked writes, reset, position, status.

The first test drives connection.js in Chromium against a scripted fake socket, so every
branch (gap, duplicate, position, reset, refused subscribe, offline) is exercised exactly.
The second cuts the real socket under a running page and checks that nothing is lost or
doubled when it comes back.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Site

SCRIPTED = """
async () => {
  const { Connection, STATUS } = await import('/static/connection.js');
  const failures = [];
  const check = (ok, what) => { if (!ok) failures.push(what); };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const settle = () => new Promise((r) => setTimeout(r, 150)); // backoff waits 100 ms at least

  class FakeSocket {
    static all = [];
    constructor(url, protocols) {
      Object.assign(this, { url, protocols, sent: [], readyState: 0 });
      FakeSocket.all.push(this);
    }
    send(data) { this.sent.push(JSON.parse(data)); }
    close() { this.readyState = 3; }
    open() { this.readyState = 1; this.onopen(); }
    recv(...messages) { this.onmessage({ data: JSON.stringify(messages) }); }
    drop(code = 1006) { this.readyState = 3; this.onclose({ code }); }
    last() { return this.sent[this.sent.length - 1]; }
  }
  const ev = (seq) => ({ type: 'event', channel: 'theme:1', seq, event: 'x', data: {}, at: '' });

  const conn = new Connection({
    WebSocket: FakeSocket, url: 'ws://test/ws', backoffBaseMs: 1, backoffCapMs: 4,
    attemptsBeforeOffline: 2, tickMs: 1e6,
  });
  const statuses = [];
  conn.addEventListener('status', (e) => statuses.push(e.detail));
  conn.start();
  const s1 = FakeSocket.all[0];
  check(same(s1.protocols, ['dialoog.v1.json']), 'offers the JSON subprotocol');
  s1.open();
  check(conn.status === STATUS.OPEN, 'open after the handshake');

  let loads = 0;
  const seen = [];
  conn.subscribe('theme:1', { load: async () => { loads += 1; }, event: (m) => seen.push(m.seq) });
  check(same(s1.last(), { type: 'subscribe', channel: 'theme:1' }), 'first subscribe has no since');
  s1.recv({ type: 'subscribed', channel: 'theme:1', seq: 5, replayed: 0 });
  await settle();
  check(loads === 1, 'loads the HTTP state once subscribed');

  s1.recv(ev(6), ev(7), ev(7));
  check(same(seen, [6, 7]), 'a duplicate seq is dropped: ' + seen);

  s1.recv(ev(9));
  check(same(s1.sent.slice(-2), [
    { type: 'unsubscribe', channel: 'theme:1' },
    { type: 'subscribe', channel: 'theme:1', since: 7 },
  ]), 'a gap resubscribes from the last seq seen');
  s1.recv(ev(8), ev(9), { type: 'subscribed', channel: 'theme:1', seq: 9, replayed: 2 });
  check(same(seen, [6, 7, 8, 9]), 'the replay fills the gap in order: ' + seen);
  check(loads === 1, 'a replay needs no reload');

  s1.recv({ type: 'position', channel: 'theme:1', seq: 10 });
  check(same(s1.last(), { type: 'subscribe', channel: 'theme:1', since: 9 }),
        'a newer position catches up from the last seq');
  s1.recv(ev(10), { type: 'subscribed', channel: 'theme:1', seq: 10, replayed: 1 });
  s1.recv({ type: 'position', channel: 'theme:1', seq: 10 });
  check(s1.last().type === 'subscribe' && s1.last().since === 9, 'an equal position is quiet');

  const reacted = conn.write({ type: 'react', contribution: 3, reaction: 'agree' });
  const ref = s1.last().ref;
  check(/^[0-9a-f-]{36}$/.test(ref), 'writes carry a UUID ref');
  s1.drop();
  check(conn.status === STATUS.RECONNECTING, 'a lost socket says it is reconnecting');
  await settle();
  const s2 = FakeSocket.all[1];
  check(Boolean(s2), 'reconnects by itself');
  s2.open();
  check(same(s2.sent[0], { type: 'subscribe', channel: 'theme:1', since: 10 }),
        'resumes with since = last seq: ' + JSON.stringify(s2.sent[0]));
  check(s2.sent[1]?.ref === ref && s2.sent[1]?.type === 'react', 'resends the write with its ref');
  s2.recv({ type: 'subscribed', channel: 'theme:1', seq: 10, replayed: 0 },
           { type: 'ack', ref, id: 3 }, { type: 'ack', ref, id: 3 });
  check((await reacted).id === 3, 'the write resolves with its ack');

  s2.recv({ type: 'reset', channel: 'theme:1', seq: 2000 });
  check(same(s2.last(), { type: 'subscribe', channel: 'theme:1', since: 2000 }),
        'a reset subscribes again from its seq');
  s2.recv(ev(1500));
  s2.recv({ type: 'subscribed', channel: 'theme:1', seq: 2000, replayed: 0 });
  await settle();
  check(loads === 2, 'a reset reloads the state over HTTP');
  s2.recv(ev(2001));
  check(seen[seen.length - 1] === 2001 && !seen.includes(1500), 'live again after the reset');

  const refused = [];
  conn.subscribe('moderation:x', { error: (e) => refused.push(e.code) });
  s2.recv({ type: 'error', code: 'forbidden', message: 'Nee' });
  check(same(refused, ['forbidden']), 'a refused subscribe reaches its listener');

  const closed = conn.write({ type: 'contribute', theme: 1, kind: 'idea', body: 'x' });
  s2.recv({ type: 'error', ref: s2.last().ref, code: 'closed', message: 'Gesloten' });
  const err = await closed.catch((e) => e);
  check(err.code === 'closed' && err.message === 'Gesloten', 'an error answer rejects the write');

  s2.drop();
  for (let i = 0; i < 4; i += 1) {
    await settle();
    FakeSocket.all[FakeSocket.all.length - 1].drop();
  }
  check(conn.status === STATUS.OFFLINE, 'repeated failures say: no connection');
  await settle();
  const s3 = FakeSocket.all[FakeSocket.all.length - 1];
  s3.open();
  check(conn.status === STATUS.OPEN, 'connected again');
  s3.drop(4401);
  await settle();
  check(conn.status === STATUS.UNAUTHENTICATED, '4401 means logged out');
  check(FakeSocket.all[FakeSocket.all.length - 1] === s3, 'and no reconnect after 4401');
  conn.stop();
  return { failures, statuses };
}
"""

# Wraps the page's WebSocket: records what is sent, can refuse new sockets (as a dead
# network does) and can drop a socket right after it sent a given message type.
NETWORK = """
(() => {
  const Real = window.WebSocket;
  window.__net = { sockets: [], sent: [], blocked: false, dropAfter: null };
  window.WebSocket = class extends Real {
    constructor(url, protocols) {
      super(window.__net.blocked ? url.replace('/ws', '/nowhere') : url, protocols);
      window.__net.sockets.push(this);
    }
    send(data) {
      super.send(data);
      window.__net.sent.push(JSON.parse(data));
      if (window.__net.dropAfter && data.includes(`"type":"${window.__net.dropAfter}"`)) {
        window.__net.dropAfter = null;
        this.close();
      }
    }
  };
})();
"""


async def test_connection_module_resumes_dedupes_resends_and_reports(site: Site) -> None:
    page = await site.page()
    await page.goto(f"{site.base}/healthz")
    result = await page.evaluate(SCRIPTED)
    assert result["failures"] == []
    assert result["statuses"][:2] == ["open", "reconnecting"]


async def contributions(site: Site) -> list[dict[str, Any]]:
    h = site.harness
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/themes/{h.theme_id}/contributions")
    return listed["contributions"]


async def test_page_survives_a_lost_connection_without_gaps_or_doubles(site: Site) -> None:
    h = site.harness
    reader_token, other_token = await h.participants(2)
    page = await site.page(reader_token)
    await page.context.add_init_script(NETWORK)
    await page.goto(site.theme_url)
    await site.connected(page)
    other = await h.ws(other_token)

    async def write_other(body: str) -> None:
        ref = f"o-{len(other.received)}"
        await other.send(
            {"type": "contribute", "ref": ref, "theme": h.theme_id, "kind": "idea", "body": body}
        )
        assert (await other.answer(ref))["type"] == "ack"

    await write_other("Voor de storing geschreven.")
    items = page.locator(".contribution")
    await expect(items).to_have_count(1)

    # The network goes: the indicator says so honestly; a write waits in the page.
    await page.evaluate("window.__net.blocked = true; window.__net.sockets.at(-1).close()")
    status = page.locator("#conn")
    await expect(status).to_have_text(re.compile("Opnieuw verbinden…|Geen verbinding"))
    await page.get_by_label("Uw tekst").fill("Tijdens de storing geschreven.")
    await page.get_by_role("button", name="Plaatsen").click()
    await expect(page.get_by_text("Uw bijdrage wordt geplaatst zodra")).to_be_visible()
    await write_other("Gemist tijdens de storing, een.")
    await write_other("Gemist tijdens de storing, twee.")

    # It comes back: the page resumes from its last seq and sends the waiting write.
    await page.evaluate("window.__net.blocked = false; window.dispatchEvent(new Event('online'))")
    await site.connected(page)
    await expect(page.get_by_text("Uw bijdrage is geplaatst.")).to_be_visible()
    await expect(items).to_have_count(4)
    mine = page.locator(".contribution", has_text="Tijdens de storing geschreven.")
    await expect(mine).to_contain_text("(uw bijdrage)")
    resumed = await page.evaluate(
        "window.__net.sent.filter(m => m.type === 'subscribe' && m.channel.startsWith('theme:'))"
    )
    assert [m.get("since") for m in resumed] == [None, 1], resumed

    # The socket drops right after a write was sent: it is resent with the same ref and
    # stored once, whether or not the first copy arrived.
    await page.evaluate("window.__net.dropAfter = 'contribute'")
    await page.get_by_label("Uw tekst").fill("Verstuurd vlak voor de onderbreking.")
    await page.get_by_role("button", name="Plaatsen").click()
    again = page.locator(".contribution", has_text="Verstuurd vlak voor de onderbreking.")
    await expect(again).to_contain_text("(uw bijdrage)")
    sent = await page.evaluate("window.__net.sent.filter(m => m.type === 'contribute')")
    assert len(sent) == 3 and sent[1]["ref"] == sent[2]["ref"], sent
    await expect(items).to_have_count(5)
    bodies = [c["body"] for c in await contributions(site)]
    assert len(bodies) == len(set(bodies)) == 5, bodies
    await expect(page.locator("#list-title")).to_have_text("Bijdragen (5)")
