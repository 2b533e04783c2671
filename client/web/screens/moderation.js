// Moderation: the queue (open flags, held contributions) and its live feed.
//
// GET /api/dialogues/{slug}/moderation answers the queue with the channel's seq; the page
// then follows moderation:{slug} from that seq: `flag.created`, `contribution.held`,
// `moderation.action` (from any facilitator) and `moderation.mode`.

import { api, seg } from '../api.js';
import { staffNav } from '../components/subnav.js';
import { formatNumber, t } from '../i18n/index.js';
import { announceCount } from '../lib/announcer.js';
import { h, messageArea, replaceChildren, uid } from '../lib/dom.js';
import { errorText, reasonLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

const STATE_BADGE = { visible: 'open', hidden: 'closed', held: 'warn' };

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const items = new Map(); // contribution id -> entry

  const title = h('h1', {}, t('moderation.title'));
  const feed = h('ol', { class: 'feed' });
  const empty = h('p', { class: 'muted' }, t('moderation.empty'));
  const problem = h('div', { role: 'alert' });
  const mode = h('div', { class: 'card' });
  ctx.setTitle(t('moderation.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'moderation') ?? '',
    title,
    h('p', { class: 'lead' }, t('moderation.intro')),
    problem,
    mode,
    h('section', { 'aria-labelledby': 'feed-title' }, h('h2', { id: 'feed-title' }, t('moderation.feed')), empty, feed),
  );

  function renderMode(current) {
    const result = messageArea();
    const next = current === 'pre' ? 'post' : 'pre';
    replaceChildren(
      mode,
      h('h2', {}, t('moderation.mode.title')),
      h('p', {}, t(`moderation.mode.${current}`)),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              try {
                const answer = await api.patch(`${base}/moderation`, { moderation_mode: next });
                renderMode(answer.moderation_mode);
              } catch (err) {
                result.show(errorText(err), 'error');
              }
            },
          },
          t(`moderation.mode.to.${next}`),
        ),
      ),
      result.el,
    );
  }

  function renderState(entry) {
    entry.li.dataset.state = entry.state;
    entry.stateEl.textContent = t(`moderation.state.${entry.state}`);
    entry.stateEl.className = `badge ${STATE_BADGE[entry.state] ?? ''}`;
    entry.approve.hidden = entry.state !== 'held';
    entry.restore.hidden = entry.state !== 'hidden';
    entry.hide.hidden = entry.state === 'hidden';
  }

  function renderDetails(entry) {
    const rows = [];
    if (entry.reasons.size) {
      rows.push(h('dt', {}, t('moderation.reason')), h('dd', {}, [...entry.reasons].map(reasonLabel).join(', ')));
      rows.push(h('dt', {}, t('moderation.source')), h('dd', {}, [...entry.sources].map((s) => t(`moderation.source.${s}`)).join(', ')));
      rows.push(h('dt', {}, t('moderation.count')), h('dd', {}, formatNumber(entry.flags)));
    }
    if (entry.notes.length) rows.push(h('dt', {}, t('moderation.notes')), h('dd', {}, entry.notes.join(' · ')));
    if (entry.hiddenReason) rows.push(h('dt', {}, t('moderation.hidden.reason')), h('dd', {}, entry.hiddenReason));
    replaceChildren(entry.details, rows);
  }

  function entryFor(id, body, { prepend = true } = {}) {
    let entry = items.get(id);
    if (entry) return entry;
    const fid = uid('melding');
    const reason = h('input', { type: 'text', id: `${fid}-reason`, maxlength: 200 });
    const result = messageArea();
    entry = { id, state: 'visible', flags: 0, reasons: new Set(), sources: new Set(), notes: [], hiddenReason: null };
    const act = (action) => moderate(entry, action, reason, result);
    entry.stateEl = h('span', { class: 'badge' });
    entry.details = h('dl');
    entry.hide = h('button', { type: 'button', class: 'danger', onclick: () => act('hide') }, t('moderation.hide'));
    entry.restore = h('button', { type: 'button', class: 'secondary', onclick: () => act('restore') }, t('moderation.restore'));
    entry.approve = h('button', { type: 'button', onclick: () => act('approve') }, t('moderation.approve'));
    entry.li = h(
      'li',
      { class: 'flag' },
      h('h3', {}, t('moderation.item', { id }), ' ', entry.stateEl),
      h('blockquote', {}, body),
      entry.details,
      h('div', { class: 'field' }, h('label', { for: `${fid}-reason` }, t('moderation.reason.input')), reason),
      h('div', { class: 'actions' }, entry.approve, entry.hide, entry.restore),
      result.el,
    );
    items.set(id, entry);
    if (prepend) feed.prepend(entry.li);
    else feed.append(entry.li);
    empty.hidden = true;
    return entry;
  }

  async function moderate(entry, action, reasonInput, result) {
    result.clear();
    try {
      const answer = await api.post(`${base}/contributions/${entry.id}/moderation`, {
        action,
        reason: reasonInput.value.trim(),
      });
      entry.state = answer.state;
      renderState(entry);
      result.show(t(`moderation.done.${action}`), 'ok');
    } catch (err) {
      result.show(errorText(err), 'error');
    }
  }

  function loadQueue(queue) {
    items.clear();
    feed.replaceChildren();
    for (const item of queue.items) {
      const entry = entryFor(item.contribution.id, item.contribution.body, { prepend: false });
      entry.state = item.state;
      entry.flags = item.flags;
      for (const r of item.reasons ?? []) entry.reasons.add(r);
      for (const s of item.sources ?? []) entry.sources.add(s);
      entry.notes = [...(item.notes ?? [])];
      entry.hiddenReason = item.hidden_reason;
      renderDetails(entry);
      renderState(entry);
    }
    empty.hidden = items.size > 0;
    renderMode(queue.moderation_mode);
  }

  function onEvent(m) {
    const d = m.data;
    switch (m.event) {
      case EVENTS.FLAG_CREATED: {
        const entry = entryFor(d.contribution.id, d.contribution.body);
        entry.flags = d.flags ?? entry.flags + 1;
        entry.reasons.add(d.reason);
        entry.sources.add(d.source);
        if (d.detail) entry.notes.push(d.detail);
        renderDetails(entry);
        renderState(entry);
        announceCount('flags', (n) => t('moderation.announce', { n }));
        break;
      }
      case EVENTS.CONTRIBUTION_HELD: {
        const entry = entryFor(d.contribution.id, d.contribution.body);
        entry.state = 'held';
        renderDetails(entry);
        renderState(entry);
        announceCount('held', (n) => t('moderation.announce.held', { n }));
        break;
      }
      case EVENTS.MODERATION_ACTION: {
        const entry = items.get(d.contribution);
        if (!entry || !d.state) return;
        entry.state = d.state;
        if (d.action === 'hide') entry.hiddenReason = d.reason ?? entry.hiddenReason;
        renderDetails(entry);
        renderState(entry);
        break;
      }
      case EVENTS.MODERATION_MODE:
        renderMode(d.moderation_mode);
        break;
      default:
    }
  }

  let sub = null;
  const load = async () => {
    const queue = await api.get(`${base}/moderation`);
    if (ctx.alive()) loadQueue(queue);
    return queue;
  };
  load()
    .then((queue) => {
      if (!ctx.alive()) return;
      // Follow the feed from the queue's seq: nothing between the two is missed. After a
      // reset the connection calls load() again.
      sub = ctx.conn.subscribe(channel.moderation(slug), {
        since: queue.seq,
        load,
        event: onEvent,
        error: (err) => problem.replaceChildren(h('p', { class: 'message error' }, errorText(err))),
      });
    })
    .catch((err) => problem.replaceChildren(h('p', { class: 'message error' }, errorText(err))));

  api
    .get(base)
    .then((d) => {
      if (!ctx.alive()) return;
      title.textContent = t('moderation.title.of', { title: d.title });
      ctx.setTitle(t('moderation.title.of', { title: d.title }));
    })
    .catch(() => {});

  return () => sub?.close();
}
