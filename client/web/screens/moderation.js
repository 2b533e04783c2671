// Moderation: the queue (open flags, held contributions) and its live feed.
//
// GET /api/dialogues/{slug}/moderation answers the queue with the channel's seq; the page
// then follows moderation:{slug} from that seq: `flag.created`, `contribution.held`,
// `moderation.action` (from any facilitator) and `moderation.mode`.
//
// Per item: approve, hide, restore; claim/release (so two facilitators do not handle the
// same item; `moderation.action` says who handles what), a mute of its author (the
// pseudonym: nobody learns who it is), notes for the other facilitators, and the notes
// participants wrote with their flags.

import { api, seg } from '../api.js';
import { staffNav } from '../components/subnav.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { announceCount } from '../lib/announcer.js';
import { h, messageArea, replaceChildren, uid } from '../lib/dom.js';
import { errorText, reasonLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

const STATE_BADGE = { visible: 'open', hidden: 'closed', held: 'warn' };
/** Mute lengths offered, in minutes (the server allows 1 minute to a week). */
const MUTE_MINUTES = [15, 60, 240, 1440, 10080];

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
    entry.claimText.textContent = entry.claimedBy
      ? t('moderation.claimed.by', { who: entry.claimedBy })
      : t('moderation.claimed.none');
    entry.li.dataset.claimed = entry.claimedBy ? 'true' : 'false';
    entry.claim.hidden = Boolean(entry.claimedBy);
    entry.release.hidden = !entry.claimedBy;
    entry.lastText.textContent = entry.last ?? '';
    entry.lastText.hidden = !entry.last;
  }

  function renderDetails(entry) {
    const rows = [];
    if (entry.reasons.size) {
      rows.push(h('dt', {}, t('moderation.reason')), h('dd', {}, [...entry.reasons].map(reasonLabel).join(', ')));
      rows.push(h('dt', {}, t('moderation.source')), h('dd', {}, [...entry.sources].map((s) => t(`moderation.source.${s}`)).join(', ')));
      rows.push(h('dt', {}, t('moderation.count')), h('dd', {}, formatNumber(entry.flags)));
    }
    if (entry.flagNotes.length) {
      rows.push(h('dt', {}, t('moderation.notes')), h('dd', {}, h('ul', { class: 'notes' }, entry.flagNotes.map((n) => h('li', {}, n)))));
    }
    if (entry.staffNotes.length) {
      rows.push(h('dt', {}, t('moderation.staff.notes')), h('dd', {}, h('ul', { class: 'notes' }, entry.staffNotes.map((n) => h('li', {}, n)))));
    }
    if (entry.hiddenReason) rows.push(h('dt', {}, t('moderation.hidden.reason')), h('dd', {}, entry.hiddenReason));
    if (entry.mutedUntil) rows.push(h('dt', {}, t('moderation.muted')), h('dd', {}, t('moderation.muted.until', { when: formatDateTime(entry.mutedUntil) })));
    replaceChildren(entry.details, rows);
  }

  function entryFor(id, body, { prepend = true } = {}) {
    let entry = items.get(id);
    if (entry) return entry;
    const fid = uid('melding');
    const reason = h('input', { type: 'text', id: `${fid}-reason`, maxlength: 200 });
    const result = messageArea();
    entry = {
      id,
      state: 'visible',
      flags: 0,
      reasons: new Set(),
      sources: new Set(),
      flagNotes: [],
      staffNotes: [],
      hiddenReason: null,
      claimedBy: null,
      mutedUntil: null,
      last: null,
    };
    const act = (action, extra = {}) => moderate(entry, { action, reason: reason.value.trim(), ...extra }, result);
    entry.stateEl = h('span', { class: 'badge' });
    entry.details = h('dl');
    entry.hide = h('button', { type: 'button', class: 'danger', onclick: () => act('hide') }, t('moderation.hide'));
    entry.restore = h('button', { type: 'button', class: 'secondary', onclick: () => act('restore') }, t('moderation.restore'));
    entry.approve = h('button', { type: 'button', onclick: () => act('approve') }, t('moderation.approve'));
    entry.claimText = h('span', { class: 'claim-text' });
    entry.lastText = h('p', { class: 'muted last-action', hidden: true });
    entry.claim = h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => act('claim') },
      t('moderation.claim'),
      h('span', { class: 'visually-hidden' }, t('moderation.item.of', { id })),
    );
    entry.release = h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => act('release') },
      t('moderation.release'),
      h('span', { class: 'visually-hidden' }, t('moderation.item.of', { id })),
    );

    // More: mute the author (minutes + reason) and a note for the other facilitators.
    const minutes = h(
      'select',
      { id: `${fid}-minutes` },
      MUTE_MINUTES.map((m) => h('option', { value: String(m), selected: m === 60 }, t(`moderation.mute.${m}`))),
    );
    const muteReason = h('input', { type: 'text', id: `${fid}-mute-reason`, maxlength: 200 });
    const note = h('textarea', { id: `${fid}-note`, rows: 2, maxlength: 2000 });
    const more = h(
      'details',
      { class: 'more-actions' },
      h('summary', {}, t('moderation.more'), h('span', { class: 'visually-hidden' }, t('moderation.item.of', { id }))),
      h(
        'form',
        {
          novalidate: true,
          onsubmit: (e) => {
            e.preventDefault();
            moderate(entry, { action: 'mute', minutes: Number(minutes.value), reason: muteReason.value.trim() }, result);
          },
        },
        h('h4', {}, t('moderation.mute.title')),
        h('p', { class: 'hint' }, t('moderation.mute.hint')),
        h('div', { class: 'field' }, h('label', { for: `${fid}-minutes` }, t('moderation.mute.minutes')), minutes),
        h('div', { class: 'field' }, h('label', { for: `${fid}-mute-reason` }, t('moderation.mute.reason')), muteReason),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('moderation.mute.submit'))),
      ),
      h(
        'form',
        {
          novalidate: true,
          onsubmit: async (e) => {
            e.preventDefault();
            if (!note.value.trim()) {
              note.setAttribute('aria-invalid', 'true');
              result.show(t('moderation.note.missing'), 'error');
              note.focus();
              return;
            }
            note.setAttribute('aria-invalid', 'false');
            if (await moderate(entry, { action: 'note', note: note.value.trim() }, result)) note.value = '';
          },
        },
        h('h4', {}, t('moderation.note.title')),
        h('div', { class: 'field' }, h('label', { for: `${fid}-note` }, t('moderation.note.label')), h('p', { class: 'hint' }, t('moderation.note.hint')), note),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('moderation.note.submit'))),
      ),
    );

    entry.li = h(
      'li',
      { class: 'flag', dataset: { id: String(id) } },
      h('h3', {}, t('moderation.item', { id }), ' ', entry.stateEl),
      h('p', { class: 'claim' }, entry.claimText, entry.claim, entry.release),
      entry.lastText,
      h('blockquote', {}, body),
      entry.details,
      h('div', { class: 'field' }, h('label', { for: `${fid}-reason` }, t('moderation.reason.input')), reason),
      h('div', { class: 'actions' }, entry.approve, entry.hide, entry.restore),
      more,
      result.el,
    );
    items.set(id, entry);
    if (prepend) feed.prepend(entry.li);
    else feed.append(entry.li);
    empty.hidden = true;
    return entry;
  }

  /** Apply a moderation outcome (our own answer, or any facilitator's event) to an entry. */
  function applyOutcome(entry, d) {
    if (d.state) entry.state = d.state;
    switch (d.action) {
      case 'claim':
        entry.claimedBy = d.by ?? entry.claimedBy;
        break;
      case 'release':
        entry.claimedBy = null;
        break;
      case 'hide':
        entry.hiddenReason = d.reason ?? entry.hiddenReason;
        break;
      case 'mute':
        entry.mutedUntil = d.until ?? entry.mutedUntil;
        break;
      default:
    }
    if (d.action !== 'claim' && d.action !== 'release' && d.by) {
      entry.last = t('moderation.last', { action: t(`moderation.action.${d.action}`), who: d.by });
    }
  }

  async function moderate(entry, body, result) {
    result.clear();
    try {
      const answer = await api.post(`${base}/contributions/${entry.id}/moderation`, body);
      // Notes arrive through moderation.action (to every facilitator, this one too).
      applyOutcome(entry, { ...answer, note: undefined });
      renderDetails(entry);
      renderState(entry);
      result.show(t(`moderation.done.${body.action}`), 'ok');
      return true;
    } catch (err) {
      result.show(errorText(err), 'error');
      return false;
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
      entry.flagNotes = [...(item.flag_notes ?? [])];
      entry.staffNotes = [...(item.notes ?? [])];
      entry.hiddenReason = item.hidden_reason;
      entry.claimedBy = item.claimed_by ?? null;
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
        if (d.detail) entry.flagNotes.push(d.detail);
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
        if (!entry) return;
        applyOutcome(entry, d);
        if (d.action === 'note' && d.note) entry.staffNotes.push(d.note);
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
