// A live Verdiepen workshop as everyone in it sees it: the round, its countdown, how many
// are present (never who), the board of the round, the quick poll, pinned insights and,
// at the end, the summary. The lead's console and the participants' view both build on it.
//
// GET /api/workshops/{id} is the snapshot; workshop:{id} is followed from its seq. Events:
// workshop.state (the clock: deadline as absolute UTC plus server_time), .contribution
// (board), .poll (counts), .pinned, .presence ({present}), .closed ({summary}).

import { api } from '../api.js';
import { formatNumber, t } from '../i18n/index.js';
import { announce, announceCount } from '../lib/announcer.js';
import { Countdown, clockText } from '../lib/countdown.js';
import { h, replaceChildren, rerender } from '../lib/dom.js';
import { errorText, kindLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

/**
 * workshopView({ ctx, id, controls(view), boardTools(item, view), roundTools(view) })
 * → { el, view (the model), reload(), close() }. `controls` renders the lead's buttons,
 * `boardTools` a board item's buttons (pin), `roundTools` what a participant does in the
 * round (write, react, vote); each is called again when the state changes.
 */
export function workshopView({ ctx, id, controls, boardTools, roundTools, onState }) {
  const model = { snapshot: null };
  const title = h('h1', {}, t('workshop.loading'));
  const problem = h('div', { role: 'alert' });
  const stateLine = h('p', { class: 'workshop-state' });
  const presence = h('p', { class: 'presence', role: 'status' });
  const prompt = h('p', { class: 'prompt' });
  const clock = h('p', { class: 'countdown', role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' });
  const controlBox = h('div', { class: 'controls' });
  const roundBox = h('div');
  const board = h('ol', { class: 'board' });
  const boardEmpty = h('p', { class: 'muted' }, t('workshop.board.empty'));
  const boardHeading = h('h2', { id: `ws-board-${id}` }, t('workshop.board'));
  const pollBox = h('div');
  const pins = h('ul', { class: 'pins' });
  const pinSection = h('section', { class: 'card', 'aria-labelledby': `ws-pins-${id}`, hidden: true }, h('h2', { id: `ws-pins-${id}` }, t('workshop.pins')), pins);
  const summary = h('section', { class: 'card summary', 'aria-labelledby': `ws-summary-${id}`, hidden: true });

  const countdown = new Countdown({
    onTick: (seconds, state) => {
      clock.dataset.remaining = seconds === null ? '' : String(seconds);
      if (seconds === null) {
        clock.textContent = '';
        clock.hidden = true;
        return;
      }
      clock.hidden = false;
      clock.textContent = state === 'paused' ? t('workshop.clock.paused', { time: clockText(seconds) }) : t('workshop.clock', { time: clockText(seconds) });
    },
    onMark: (mark) => announce(mark === 0 ? t('workshop.announce.over') : t('workshop.announce.minute')),
  });

  const el = h(
    'div',
    { class: 'workshop' },
    title,
    problem,
    h('div', { class: 'card round-card' }, stateLine, prompt, clock, presence, controlBox),
    summary,
    roundBox,
    h('section', { class: 'board-section', 'aria-labelledby': `ws-board-${id}` }, boardHeading, boardEmpty, board),
    pollBox,
    pinSection,
  );

  const view = () => model.snapshot;
  const current = () => model.snapshot?.round ?? null;
  const position = () => {
    const r = current();
    return r ? model.snapshot.rounds.findIndex((x) => x.id === r.id) + 1 : 0;
  };

  // --- rendering -----------------------------------------------------------------------------

  function renderState() {
    const s = model.snapshot;
    const r = current();
    stateLine.replaceChildren(
      h('span', { class: `badge ${s.state}` }, t(`workshop.state.${s.state}`)),
      ' ',
      r ? t('workshop.round.of', { n: position(), total: s.rounds.length }) : s.state === 'running' ? t('workshop.round.done') : '',
    );
    prompt.textContent = r ? r.prompt : s.state === 'planned' ? t('workshop.planned') : '';
    prompt.hidden = !prompt.textContent;
    countdown.set({ state: s.state, deadline: s.deadline, remaining_seconds: s.remaining_seconds, server_time: s.server_time, key: r?.id ?? null });
    if (controls) rerender(controlBox, controls(model.snapshot));
    // The participant's tools (a half-written text) stay as they are while the round and
    // state do: an extension or a presence change must not take the text or the focus.
    const toolsKey = `${s.state}:${r?.id ?? ''}`;
    if (roundTools && toolsKey !== model.toolsKey) {
      model.toolsKey = toolsKey;
      rerender(roundBox, roundTools(model.snapshot));
    }
    onState?.(model.snapshot);
  }

  function renderPresence() {
    presence.textContent = t('workshop.present', { n: model.snapshot.present ?? 0 });
  }

  function boardItem(item) {
    return h(
      'li',
      { class: 'board-item', dataset: { id: String(item.id), round: String(item.round) } },
      h('p', { class: 'meta' }, h('span', { class: 'kind' }, kindLabel(item.kind))),
      h('p', { class: 'body' }, item.body),
      boardTools ? boardTools(item, model.snapshot) : null,
    );
  }

  function renderBoard() {
    const r = current();
    const items = model.snapshot.board.filter((b) => (r && r.kind === 'write' ? b.round === r.id : true));
    boardHeading.textContent = r && r.kind === 'write' ? t('workshop.board.round', { n: formatNumber(items.length) }) : t('workshop.board.all', { n: formatNumber(items.length) });
    boardEmpty.hidden = items.length > 0;
    rerender(board, items.map(boardItem));
  }

  function renderPoll() {
    const r = current();
    const polls = model.snapshot.rounds.filter((x) => x.kind === 'poll' && model.snapshot.polls[String(x.id)]);
    const show = r?.kind === 'poll' ? [r] : polls.filter((x) => x.id !== r?.id && model.snapshot.state === 'closed');
    if (show.length === 0) {
      pollBox.replaceChildren();
      return;
    }
    rerender(
      pollBox,
      show.map((round) => {
        const counts = model.snapshot.polls[String(round.id)] ?? round.options.map(() => 0);
        const total = counts.reduce((a, b) => a + b, 0);
        return h(
          'section',
          { class: 'card poll-result', 'aria-labelledby': `ws-poll-${round.id}`, dataset: { round: String(round.id) } },
          h('h2', { id: `ws-poll-${round.id}` }, t('workshop.poll.result')),
          h('p', {}, round.prompt),
          h(
            'ul',
            { class: 'plain poll-counts' },
            round.options.map((option, i) =>
              h(
                'li',
                { dataset: { option: String(i) } },
                h('span', { class: 'option' }, option),
                h('meter', { min: 0, max: Math.max(total, 1), value: counts[i] ?? 0, 'aria-hidden': 'true' }),
                h('span', { class: 'votes' }, t('workshop.poll.votes', { n: counts[i] ?? 0 })),
              ),
            ),
          ),
          h('p', { class: 'muted' }, t('workshop.poll.total', { n: total })),
        );
      }),
    );
  }

  function renderPins() {
    pinSection.hidden = model.snapshot.pins.length === 0;
    rerender(pins, model.snapshot.pins.map((p) => h('li', { dataset: { id: String(p.id) } }, p.body)));
  }

  function renderSummary() {
    const s = model.snapshot;
    summary.hidden = s.state !== 'closed';
    if (s.state !== 'closed') return;
    replaceChildren(
      summary,
      h('h2', { id: `ws-summary-${id}` }, t('workshop.summary')),
      s.summary ? h('p', { class: 'body' }, s.summary) : h('p', { class: 'muted' }, t('workshop.summary.none')),
    );
  }

  function renderAll() {
    title.textContent = model.snapshot.title;
    ctx.setTitle(model.snapshot.title);
    renderState();
    renderPresence();
    renderBoard();
    renderPoll();
    renderPins();
    renderSummary();
  }

  // --- the model -----------------------------------------------------------------------------

  /** Apply a clock view (an event's data, or the answer to a control). */
  function applyClock(data, receivedAt = Date.now()) {
    const s = model.snapshot;
    const before = s.round?.id ?? null;
    const wasState = s.state;
    Object.assign(s, { state: data.state, round: data.round, deadline: data.deadline, remaining_seconds: data.remaining_seconds, server_time: data.server_time });
    countdown.observe(data.server_time, receivedAt);
    renderState();
    renderBoard();
    renderPoll();
    renderSummary();
    const now = s.round?.id ?? null;
    if (now !== before && s.round) {
      announce(t('workshop.announce.round', { n: position(), total: s.rounds.length, prompt: s.round.prompt, time: clockText(s.round.duration_seconds) }));
    } else if (wasState !== s.state) {
      announce(t(`workshop.announce.${s.state}`));
    }
  }

  function onEvent(m) {
    const s = model.snapshot;
    if (!s) return;
    const d = m.data;
    switch (m.event) {
      case EVENTS.WORKSHOP_STATE:
        applyClock(d);
        break;
      case EVENTS.WORKSHOP_CONTRIBUTION:
        if (!s.board.some((b) => b.id === d.id)) {
          s.board.push({ round: d.round, id: d.id, kind: d.kind, body: d.body });
          renderBoard();
          announceCount(`ws-board-${id}`, (n) => t('workshop.announce.board', { n }));
        }
        break;
      case EVENTS.WORKSHOP_POLL:
        s.polls[String(d.round)] = d.counts;
        renderPoll();
        break;
      case EVENTS.WORKSHOP_PINNED:
        if (!s.pins.some((p) => p.id === d.id)) {
          s.pins.push({ id: d.id, body: d.body });
          renderPins();
          renderBoard();
          announce(t('workshop.announce.pinned'));
        }
        break;
      case EVENTS.WORKSHOP_PRESENCE:
        s.present = d.present;
        renderPresence();
        break;
      case EVENTS.WORKSHOP_CLOSED:
        s.state = 'closed';
        s.summary = d.summary ?? s.summary;
        renderAll();
        break;
      default:
    }
  }

  async function reload() {
    const snapshot = await api.get(`/api/workshops/${id}`);
    if (!ctx.alive()) return snapshot;
    countdown.resetOffset();
    countdown.observe(snapshot.server_time);
    model.snapshot = snapshot;
    renderAll();
    return snapshot;
  }

  let sub = null;
  const ready = reload()
    .then((snapshot) => {
      if (!ctx.alive()) return;
      countdown.start();
      // From the snapshot's seq on: nothing between the two is missed. After a reset the
      // connection calls reload() again.
      sub = ctx.conn.subscribe(channel.workshop(id), {
        since: snapshot.seq,
        load: reload,
        event: onEvent,
        error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
      });
    })
    .catch((err) => {
      title.textContent = t('workshop.notfound');
      replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
    });

  return {
    el,
    ready,
    view,
    applyClock,
    refresh: () => model.snapshot && renderAll(),
    close() {
      countdown.stop();
      sub?.close();
    },
  };
}
