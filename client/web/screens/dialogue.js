// The dialogue overview: the seven steps, what is open now, and the themes; live.

import { api, seg } from '../api.js';
import { applyMerge, applyStepChange, applyTheme, stepList } from '../components/steps.js';
import { staffNav } from '../components/subnav.js';
import { t } from '../i18n/index.js';
import { announce } from '../lib/announcer.js';
import { h, rerender } from '../lib/dom.js';
import { errorText, themeStateLabel } from '../lib/labels.js';
import { CONTRIBUTION_STEPS, EVENTS, channel } from '../protocol.js';

function nowOpen(dialogue) {
  const open = dialogue.steps.filter((s) => s.state === 'open');
  if (open.length === 0) return [h('h2', {}, t('dialogue.now.title')), h('p', {}, t('dialogue.now.none'))];
  const canWrite = open.some((s) => CONTRIBUTION_STEPS.includes(s.step));
  return [
    h('h2', {}, t('dialogue.now.title')),
    h(
      'ul',
      {},
      open.map((s) => h('li', {}, h('strong', {}, s.name), ': ', s.call_to_action)),
    ),
    canWrite ? h('p', {}, t('dialogue.now.write')) : null,
  ];
}

function themeList(dialogue) {
  const themes = dialogue.themes.filter((x) => !x.merged_into);
  if (themes.length === 0) return h('p', {}, t('dialogue.themes.none'));
  return h(
    'ul',
    { class: 'themes' },
    themes.map((theme) =>
      h(
        'li',
        {},
        h(
          'a',
          { href: `#/d/${seg(dialogue.slug)}/thema/${theme.id}`, dataset: { focusKey: `theme-${theme.id}` } },
          theme.title,
        ),
        h('span', { class: `badge ${theme.state}` }, themeStateLabel(theme.state)),
      ),
    ),
  );
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const title = h('h1', {}, t('dialogue.loading'));
  const description = h('p', { class: 'lead' });
  const now = h('section', { class: 'card now-open', 'aria-labelledby': 'now-title' });
  const steps = h('div');
  const themes = h('div');
  const problem = h('div', { role: 'alert' });
  ctx.setTitle(t('dialogue.loading'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'overview') ?? '',
    title,
    description,
    problem,
    now,
    h('section', { 'aria-labelledby': 'themes-title' }, h('h2', { id: 'themes-title' }, t('dialogue.themes.title')), themes),
    h('section', { 'aria-labelledby': 'steps-title' }, h('h2', { id: 'steps-title' }, t('dialogue.steps.title')), steps),
  );

  let dialogue = null;
  const render = () => {
    title.textContent = dialogue.title;
    ctx.setTitle(dialogue.title);
    description.textContent = dialogue.description ?? '';
    description.hidden = !dialogue.description;
    rerender(now, ...nowOpen(dialogue));
    now.firstChild.id = 'now-title';
    rerender(steps, stepList(dialogue.steps));
    rerender(themes, themeList(dialogue));
  };

  const sub = ctx.conn.subscribe(channel.dialogue(slug), {
    load: async () => {
      dialogue = await api.get(`/api/dialogues/${seg(slug)}`);
      if (ctx.alive()) render();
    },
    event: (m) => {
      if (!dialogue) return;
      if (m.event === EVENTS.STEP_CHANGED) {
        const step = applyStepChange(dialogue, m.data);
        if (step) announce(t('dialogue.step.changed', { name: step.name, state: t(`step.state.${step.state}`) }));
      } else if (m.event === EVENTS.THEME_CREATED) {
        if (applyTheme(dialogue, m.data)) announce(t('dialogue.theme.created', { title: m.data.title }));
      } else if (m.event === EVENTS.THEME_CHANGED) {
        applyTheme(dialogue, m.data);
      } else if (m.event === EVENTS.THEME_MERGED) {
        applyMerge(dialogue, m.data);
      } else {
        return;
      }
      render();
    },
    error: (err) => {
      problem.replaceChildren(h('p', { class: 'message error' }, errorText(err)));
    },
  });
  return () => sub.close();
}
