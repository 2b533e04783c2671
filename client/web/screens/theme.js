// A theme: its contributions, live; write, reply, react and flag.

import { api, seg } from '../api.js';
import { ContributionList } from '../components/contribution-list.js';
import { flagDialog } from '../components/flag-dialog.js';
import { applyStepChange, applyTheme } from '../components/steps.js';
import { staffNav } from '../components/subnav.js';
import { writeForm } from '../components/write-form.js';
import { formatNumber, t } from '../i18n/index.js';
import { announce, announceCount } from '../lib/announcer.js';
import { h, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';
import { myContributions, myReactions, rememberContribution, rememberReaction } from '../lib/mine.js';
import { CLIENT_TAGS, CONTRIBUTION_STEPS, EVENTS, channel } from '../protocol.js';
import { MODERATORS } from '../routes.js';

/** Why writing is not possible now, or null when it is. */
function closedReason(dialogue, theme) {
  if (!theme) return t('theme.notfound');
  if (theme.merged_into) return t('theme.merged');
  if (theme.state !== 'open') return t('theme.closed');
  const open = dialogue.steps.some((s) => s.state === 'open' && CONTRIBUTION_STEPS.includes(s.step));
  return open ? null : t('theme.step.closed');
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const themeId = Number(ctx.params.id);
  const { me, conn } = ctx;
  const participant = me.kind === 'participant';
  const moderator = MODERATORS.includes(me.role);

  let dialogue = null;
  let theme = null;
  let writable = false;

  const title = h('h1', {}, t('theme.loading'));
  const description = h('p', { class: 'lead', hidden: true });
  const problem = h('div', { role: 'alert' });
  const writeSection = h('section', { class: 'card', 'aria-labelledby': 'write-title' });
  const listHeading = h('h2', { id: 'list-title', tabindex: '-1' }, t('theme.list.title', { n: '' }));
  const empty = h('p', { class: 'muted' }, t('theme.list.empty'));

  const list = new ContributionList({
    mine: myContributions(slug),
    reactions: myReactions(slug),
    canReact: () => participant && writable,
    canReply: () => participant && writable,
    canFlag: participant,
    canModerate: moderator,
    onReact: react,
    onReply: (item) => form.replyTo(item),
    onFlag: (item, button) => flags.open(item, button),
    onHide: hide,
  });
  list.heading = listHeading;

  const form = writeForm({
    conn,
    themeId,
    onPosted: (ack) => {
      rememberContribution(slug, ack.id);
      list.o.mine.add(ack.id);
      list.markMine(ack.id);
      updateCount();
    },
  });
  const flags = flagDialog({
    conn,
    onFlagged: (item) => list.feedback(item.id, t('flag.done'), 'ok'),
  });

  ctx.setTitle(t('theme.loading'));
  ctx.root.append(
    staffNav(me, slug, 'overview') ?? '',
    h('p', { class: 'crumbs' }, h('a', { href: `#/d/${seg(slug)}` }, t('theme.back'))),
    title,
    description,
    problem,
    writeSection,
    h('section', { 'aria-labelledby': 'list-title' }, listHeading, empty, list.el),
    flags.el,
  );

  function updateCount() {
    listHeading.textContent = t('theme.list.title', { n: formatNumber(list.size) });
    empty.hidden = list.size > 0;
  }

  function renderHeader() {
    title.textContent = theme?.title ?? t('theme.notfound');
    ctx.setTitle(theme?.title ?? t('theme.notfound'));
    description.textContent = theme?.description ?? '';
    description.hidden = !theme?.description;
  }

  function renderWrite() {
    const reason = closedReason(dialogue, theme);
    const wasWritable = writable;
    writable = reason === null;
    if (!participant) {
      replaceChildren(writeSection, h('h2', { id: 'write-title' }, t('write.title')), h('p', {}, t('write.staff')));
    } else if (writable) {
      if (!writeSection.contains(form.el)) {
        replaceChildren(writeSection, h('h2', { id: 'write-title' }, t('write.title')), form.el);
      }
    } else {
      replaceChildren(writeSection, h('h2', { id: 'write-title' }, t('write.title')), h('p', { class: 'message' }, reason));
    }
    if (wasWritable !== writable) list.refreshControls();
  }

  function showMerged(into) {
    if (dialogue && theme) {
      Object.assign(theme, { state: 'merged', merged_into: into });
      renderWrite();
    }
    const target = dialogue?.themes.find((x) => x.id === into);
    replaceChildren(
      problem,
      h(
        'p',
        { class: 'message' },
        t('theme.merged.into', { title: target?.title ?? '' }),
        ' ',
        h('a', { href: `#/d/${seg(slug)}/thema/${into}` }, t('theme.merged.go')),
      ),
    );
    announce(t('theme.merged.into', { title: target?.title ?? '' }));
  }

  async function react(item, reaction, group) {
    const before = list.o.reactions[item.id];
    list.setPressed(item.id, reaction);
    try {
      await conn.write({ type: CLIENT_TAGS.REACT, contribution: item.id, reaction });
      list.o.reactions[item.id] = reaction;
      rememberReaction(slug, item.id, reaction);
    } catch (err) {
      list.setPressed(item.id, before);
      list.feedback(item.id, errorText(err), 'error');
    }
    return group;
  }

  async function hide(item, button) {
    try {
      await api.post(`/api/dialogues/${seg(slug)}/contributions/${item.id}/moderation`, { action: 'hide', reason: '' });
      list.remove(item.id);
      updateCount();
      announce(t('moderation.hidden'));
    } catch (err) {
      list.feedback(item.id, errorText(err), 'error');
      button.focus();
    }
  }

  async function loadContributions() {
    const data = await api.get(`/api/dialogues/${seg(slug)}/themes/${themeId}/contributions`);
    if (!ctx.alive()) return;
    list.reset(data.contributions);
    updateCount();
  }

  const dialogueSub = conn.subscribe(channel.dialogue(slug), {
    load: async () => {
      dialogue = await api.get(`/api/dialogues/${seg(slug)}`);
      theme = dialogue.themes.find((x) => x.id === themeId) ?? null;
      if (!ctx.alive()) return;
      renderHeader();
      renderWrite();
      if (theme?.merged_into) showMerged(theme.merged_into);
    },
    event: (m) => {
      if (!dialogue) return;
      if (m.event === EVENTS.STEP_CHANGED) applyStepChange(dialogue, m.data);
      else if (m.event === EVENTS.THEME_CHANGED || m.event === EVENTS.THEME_CREATED) {
        applyTheme(dialogue, m.data);
        theme = dialogue.themes.find((x) => x.id === themeId) ?? null;
        renderHeader();
      } else return;
      const before = writable;
      renderWrite();
      if (before !== writable) announce(writable ? t('theme.now.open') : t('theme.now.closed'));
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });

  const themeSub = conn.subscribe(channel.theme(themeId), {
    load: loadContributions,
    event: (m) => {
      switch (m.event) {
        case EVENTS.CONTRIBUTION_CREATED:
          if (list.add(m.data) && !list.o.mine.has(m.data.id)) {
            announceCount('new-contributions', (n) => t('theme.announce.new', { n }));
          }
          break;
        case EVENTS.REACTION_COUNTS:
          list.setCounts(m.data);
          break;
        case EVENTS.CONTRIBUTION_HIDDEN:
          if (list.remove(m.data.id)) announceCount('hidden', (n) => t('theme.announce.hidden', { n }));
          break;
        case EVENTS.CONTRIBUTION_RESTORED:
          loadContributions().catch((err) => console.error('reload failed', err));
          break;
        case EVENTS.THEME_MERGED:
          if (m.data.theme === themeId) showMerged(m.data.into);
          else loadContributions().catch((err) => console.error('reload failed', err));
          break;
        default:
          return;
      }
      updateCount();
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });

  return () => {
    dialogueSub.close();
    themeSub.close();
    if (flags.el.open) flags.el.close();
  };
}
