// Steps and themes of one dialogue, for facilitators: open and close steps, add, rename,
// open and close themes. Live through dialogue:{slug}, so two facilitators see each other.

import { api, seg } from '../api.js';
import { applyMerge, applyStepChange, applyTheme, stepList } from '../components/steps.js';
import { staffNav } from '../components/subnav.js';
import { t } from '../i18n/index.js';
import { h, messageArea, rerender } from '../lib/dom.js';
import { errorText, themeStateLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  let dialogue = null;
  const renaming = new Set();

  const title = h('h1', {}, t('manage.title'));
  const stepsBox = h('div');
  const themesBox = h('div');
  const stepResult = messageArea({ alert: true });
  const themeResult = messageArea({ alert: true });
  const problem = h('div', { role: 'alert' });

  const newTitle = h('input', { type: 'text', id: 'nt-title', required: true, maxlength: 200, autocomplete: 'off' });
  const newDescription = h('textarea', { id: 'nt-description', rows: 2 });
  const newTheme = h(
    'form',
    { novalidate: true, onsubmit: (e) => createTheme(e) },
    h('div', { class: 'field' }, h('label', { for: 'nt-title' }, t('manage.theme.title')), newTitle),
    h('div', { class: 'field' }, h('label', { for: 'nt-description' }, t('manage.theme.description')), newDescription),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('manage.theme.create'))),
  );

  ctx.setTitle(t('manage.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'manage') ?? '',
    title,
    problem,
    h('section', { 'aria-labelledby': 'm-steps' }, h('h2', { id: 'm-steps' }, t('manage.steps')), h('p', { class: 'muted' }, t('manage.steps.intro')), stepResult.el, stepsBox),
    h(
      'section',
      { 'aria-labelledby': 'm-themes' },
      h('h2', { id: 'm-themes' }, t('manage.themes')),
      themeResult.el,
      themesBox,
      h('div', { class: 'card' }, h('h3', {}, t('manage.theme.new')), newTheme),
    ),
  );

  const stepControls = (step) => {
    const next = step.state === 'open' ? 'closed' : 'open';
    const label = next === 'open' ? t('manage.step.open', { name: step.name }) : t('manage.step.close', { name: step.name });
    return h(
      'button',
      { type: 'button', class: next === 'open' ? '' : 'secondary', dataset: { focusKey: `step-${step.step}` }, onclick: () => setStep(step, next) },
      label,
    );
  };

  function themeRow(theme) {
    const next = theme.state === 'open' ? 'closed' : 'open';
    if (renaming.has(theme.id)) return renameRow(theme);
    return h(
      'li',
      {},
      h('span', {}, h('strong', {}, theme.title), ' ', h('span', { class: `badge ${theme.state}` }, themeStateLabel(theme.state))),
      h(
        'span',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', class: 'secondary', dataset: { focusKey: `rename-${theme.id}` }, onclick: () => startRename(theme) },
          t('manage.theme.rename'),
          h('span', { class: 'visually-hidden' }, t('manage.theme.of', { title: theme.title })),
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', dataset: { focusKey: `state-${theme.id}` }, onclick: () => changeTheme(theme, { state: next }) },
          next === 'open' ? t('manage.theme.open') : t('manage.theme.close'),
          h('span', { class: 'visually-hidden' }, t('manage.theme.of', { title: theme.title })),
        ),
      ),
    );
  }

  function renameRow(theme) {
    const id = `rename-input-${theme.id}`;
    const input = h('input', { type: 'text', id, value: theme.title, maxlength: 200, dataset: { focusKey: id } });
    return h(
      'li',
      {},
      h(
        'form',
        {
          class: 'actions',
          onsubmit: async (e) => {
            e.preventDefault();
            renaming.delete(theme.id);
            await changeTheme(theme, { title: input.value.trim() });
            renderThemes();
            themesBox.querySelector(`[data-focus-key="rename-${theme.id}"]`)?.focus();
          },
        },
        h('label', { for: id }, t('manage.theme.newname')),
        input,
        h('button', { type: 'submit' }, t('manage.theme.save')),
        h('button', { type: 'button', class: 'secondary', onclick: () => { renaming.delete(theme.id); renderThemes(); themesBox.querySelector(`[data-focus-key="rename-${theme.id}"]`)?.focus(); } }, t('manage.theme.cancel')),
      ),
    );
  }

  function startRename(theme) {
    renaming.add(theme.id);
    renderThemes();
    themesBox.querySelector(`#rename-input-${theme.id}`)?.focus();
  }

  function renderSteps() {
    rerender(stepsBox, stepList(dialogue.steps, stepControls));
  }

  function renderThemes() {
    const themes = dialogue.themes.filter((x) => !x.merged_into);
    rerender(themesBox, themes.length ? h('ul', { class: 'themes' }, themes.map(themeRow)) : h('p', {}, t('dialogue.themes.none')));
  }

  async function setStep(step, state) {
    stepResult.clear();
    try {
      const view = await api.post(`${base}/steps/${step.step}`, { state });
      applyStepChange(dialogue, view);
      renderSteps();
      stepResult.show(t(state === 'open' ? 'manage.step.opened' : 'manage.step.closed', { name: step.name }), 'ok');
    } catch (err) {
      stepResult.show(errorText(err), 'error');
    }
  }

  async function changeTheme(theme, change) {
    themeResult.clear();
    try {
      const view = await api.patch(`${base}/themes/${theme.id}`, change);
      applyTheme(dialogue, view);
      renderThemes();
      themeResult.show(t('manage.theme.saved', { title: view.title }), 'ok');
    } catch (err) {
      themeResult.show(errorText(err), 'error');
    }
  }

  async function createTheme(e) {
    e.preventDefault();
    themeResult.clear();
    if (!newTitle.value.trim()) {
      themeResult.show(t('manage.theme.missing'), 'error');
      newTitle.focus();
      return;
    }
    try {
      const theme = await api.post(`${base}/themes`, { title: newTitle.value.trim(), description: newDescription.value.trim() });
      applyTheme(dialogue, theme);
      renderThemes();
      newTheme.reset();
      themeResult.show(t('manage.theme.created', { title: theme.title }), 'ok');
    } catch (err) {
      themeResult.show(errorText(err), 'error');
    }
  }

  const sub = ctx.conn.subscribe(channel.dialogue(slug), {
    load: async () => {
      dialogue = await api.get(base);
      if (!ctx.alive()) return;
      title.textContent = t('manage.title.of', { title: dialogue.title });
      ctx.setTitle(t('manage.title.of', { title: dialogue.title }));
      renderSteps();
      renderThemes();
    },
    event: (m) => {
      if (!dialogue) return;
      if (m.event === EVENTS.STEP_CHANGED) {
        applyStepChange(dialogue, m.data);
        renderSteps();
      } else if (m.event === EVENTS.THEME_CREATED || m.event === EVENTS.THEME_CHANGED) {
        applyTheme(dialogue, m.data);
        renderThemes();
      } else if (m.event === EVENTS.THEME_MERGED) {
        applyMerge(dialogue, m.data);
        renderThemes();
      }
    },
    error: (err) => problem.replaceChildren(h('p', { class: 'message error' }, errorText(err))),
  });
  return () => sub.close();
}
