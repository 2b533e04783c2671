// Moderation: the live feed of flags (moderation:{slug}), hide and restore.
//
// The contract has no HTTP list of flags: the feed is the channel's history, replayed
// from seq 0. Whether a flagged contribution is visible now comes from the themes'
// contribution lists (HTTP) and their live hidden/restored events.

import { api, seg } from '../api.js';
import { staffNav } from '../components/subnav.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { announceCount } from '../lib/announcer.js';
import { h, messageArea, uid } from '../lib/dom.js';
import { errorText, reasonLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

export function mount(ctx) {
  const { slug } = ctx.params;
  const { conn } = ctx;
  const items = new Map(); // contribution id -> { li, state, flags[] }
  const visible = new Set();
  let known = false; // visibility known (after the themes were loaded)
  const themeSubs = new Map();

  const title = h('h1', {}, t('moderation.title'));
  const feed = h('ol', { class: 'feed' });
  const empty = h('p', { class: 'muted' }, t('moderation.empty'));
  const problem = h('div', { role: 'alert' });
  const notice = messageArea();
  ctx.setTitle(t('moderation.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'moderation') ?? '',
    title,
    h('p', { class: 'lead' }, t('moderation.intro')),
    problem,
    notice.el,
    h('section', { 'aria-labelledby': 'feed-title' }, h('h2', { id: 'feed-title' }, t('moderation.feed')), empty, feed),
  );

  function stateOf(id) {
    if (!known) return null;
    return visible.has(id) ? 'visible' : 'hidden';
  }

  function renderState(entry) {
    const state = entry.state ?? stateOf(entry.id);
    entry.li.dataset.state = state ?? 'unknown';
    entry.stateEl.textContent = state ? t(`moderation.state.${state}`) : '';
    entry.stateEl.className = `badge ${state === 'hidden' ? 'closed' : state === 'visible' ? 'open' : ''}`;
    entry.stateEl.hidden = !state;
  }

  function renderFlags(entry) {
    const last = entry.flags[entry.flags.length - 1];
    entry.details.replaceChildren(
      h('dt', {}, t('moderation.reason')),
      h('dd', {}, [...new Set(entry.flags.map((f) => reasonLabel(f.reason)))].join(', ')),
      h('dt', {}, t('moderation.source')),
      h('dd', {}, [...new Set(entry.flags.map((f) => t(`moderation.source.${f.source}`)))].join(', ')),
      h('dt', {}, t('moderation.notes')),
      h('dd', {}, entry.flags.map((f) => f.detail).filter(Boolean).join(' · ') || t('moderation.notes.none')),
      h('dt', {}, t('moderation.count')),
      h('dd', {}, formatNumber(last.flags ?? entry.flags.length)),
      h('dt', {}, t('moderation.when')),
      h('dd', {}, formatDateTime(last.at)),
    );
  }

  function addFlag(data, at) {
    const id = data.contribution.id;
    let entry = items.get(id);
    if (!entry) {
      const fid = uid('melding');
      const reason = h('input', { type: 'text', id: `${fid}-reason`, maxlength: 200 });
      const result = messageArea();
      entry = { id, flags: [], state: null };
      entry.stateEl = h('span', { class: 'badge', hidden: true });
      entry.details = h('dl');
      const act = (action) => moderate(entry, action, reason, result);
      entry.li = h(
        'li',
        { class: 'flag' },
        h('h3', {}, t('moderation.item', { id }), ' ', entry.stateEl),
        h('blockquote', {}, data.contribution.body),
        entry.details,
        h(
          'div',
          { class: 'field' },
          h('label', { for: `${fid}-reason` }, t('moderation.reason.input')),
          reason,
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'danger', onclick: () => act('hide') }, t('moderation.hide')),
          h('button', { type: 'button', class: 'secondary', onclick: () => act('restore') }, t('moderation.restore')),
        ),
        result.el,
      );
      items.set(id, entry);
      feed.prepend(entry.li);
      empty.hidden = true;
    }
    entry.flags.push({ ...data, at });
    renderFlags(entry);
    renderState(entry);
  }

  async function moderate(entry, action, reasonInput, result) {
    result.clear();
    try {
      const answer = await api.post(`/api/dialogues/${seg(slug)}/contributions/${entry.id}/moderation`, {
        action,
        reason: reasonInput.value.trim(),
      });
      entry.state = answer.state;
      if (answer.state === 'visible') visible.add(entry.id);
      else visible.delete(entry.id);
      renderState(entry);
      result.show(t(action === 'hide' ? 'moderation.done.hide' : 'moderation.done.restore'), 'ok');
    } catch (err) {
      result.show(errorText(err), 'error');
    }
  }

  function setVisible(id, isVisible) {
    if (isVisible) visible.add(id);
    else visible.delete(id);
    const entry = items.get(id);
    if (entry) {
      entry.state = isVisible ? 'visible' : 'hidden';
      renderState(entry);
    }
  }

  async function loadVisibility() {
    const dialogue = await api.get(`/api/dialogues/${seg(slug)}`);
    if (!ctx.alive()) return;
    title.textContent = t('moderation.title.of', { title: dialogue.title });
    ctx.setTitle(t('moderation.title.of', { title: dialogue.title }));
    const lists = await Promise.all(
      dialogue.themes.map((theme) => api.get(`/api/dialogues/${seg(slug)}/themes/${theme.id}/contributions`)),
    );
    if (!ctx.alive()) return;
    for (const list of lists) for (const c of list.contributions) visible.add(c.id);
    known = true;
    for (const entry of items.values()) renderState(entry);
    for (const theme of dialogue.themes) followTheme(theme.id);
  }

  function followTheme(id) {
    if (themeSubs.has(id)) return;
    themeSubs.set(
      id,
      conn.subscribe(channel.theme(id), {
        event: (m) => {
          if (m.event === EVENTS.CONTRIBUTION_HIDDEN) setVisible(m.data.id, false);
          else if (m.event === EVENTS.CONTRIBUTION_RESTORED) setVisible(m.data.id, true);
          else if (m.event === EVENTS.CONTRIBUTION_CREATED) visible.add(m.data.id);
        },
      }),
    );
  }

  const dialogueSub = conn.subscribe(channel.dialogue(slug), {
    event: (m) => {
      if (m.event === EVENTS.THEME_CREATED) followTheme(m.data.id);
    },
  });

  loadVisibility().catch((err) => problem.replaceChildren(h('p', { class: 'message error' }, errorText(err))));

  let replaying = true;
  const modSub = conn.subscribe(channel.moderation(slug), {
    since: 0,
    load: () => {
      // After a reset (more than 1,000 flags missed) the older ones cannot be fetched.
      if (!replaying) notice.show(t('moderation.reset'), 'warn');
      // The replayed history is delivered right after this returns; only later flags are news.
      setTimeout(() => {
        replaying = false;
      }, 0);
    },
    event: (m) => {
      if (m.event !== EVENTS.FLAG_CREATED) return;
      addFlag(m.data, m.at);
      if (!replaying) announceCount('flags', (n) => t('moderation.announce', { n }));
    },
    error: (err) => problem.replaceChildren(h('p', { class: 'message error' }, errorText(err))),
  });

  return () => {
    modSub.close();
    dialogueSub.close();
    for (const sub of themeSubs.values()) sub.close();
  };
}
