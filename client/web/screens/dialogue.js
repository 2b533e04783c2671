// The dialogue overview: the seven steps, what is open now, and the themes; live.

import { api, seg } from '../api.js';
import { applyMerge, applyStepChange, applyTheme, stepList } from '../components/steps.js';
import { staffNav } from '../components/subnav.js';
import { t } from '../i18n/index.js';
import { announce } from '../lib/announcer.js';
import { h, messageArea, rerender } from '../lib/dom.js';
import { errorText, themeStateLabel } from '../lib/labels.js';
import { CONTRIBUTION_STEPS, EVENTS, channel } from '../protocol.js';

/** Verkennen: the step in which participants may propose themes. */
const PROPOSAL_STEP = 3;
/** Voorkeuren: the step in which participants vote on ballots. */
const VOTING_STEP = 5;

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
        // A proposal is not a theme channel yet: nothing to open until a facilitator does.
        theme.state === 'proposed'
          ? h('span', { class: 'proposal' }, theme.title)
          : h(
              'a',
              { href: `#/d/${seg(dialogue.slug)}/thema/${theme.id}`, dataset: { focusKey: `theme-${theme.id}` } },
              theme.title,
            ),
        h('span', { class: `badge ${theme.state}` }, themeStateLabel(theme.state)),
      ),
    ),
  );
}

/** The form to propose a theme (participants, while Verkennen is open). */
function proposalForm(slug, onProposed) {
  const result = messageArea();
  const problem = messageArea({ alert: true });
  const titleInput = h('input', { type: 'text', id: 'prop-title', maxlength: 200, autocomplete: 'off', 'aria-describedby': 'prop-hint' });
  const description = h('textarea', { id: 'prop-description', rows: 3, maxlength: 2000 });
  let busy = false;
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        problem.clear();
        if (!titleInput.value.trim()) {
          titleInput.setAttribute('aria-invalid', 'true');
          problem.show(t('propose.missing'), 'error');
          titleInput.focus();
          return;
        }
        titleInput.setAttribute('aria-invalid', 'false');
        if (busy) return;
        busy = true;
        try {
          const theme = await api.post(`/api/dialogues/${seg(slug)}/themes/proposals`, {
            title: titleInput.value.trim(),
            description: description.value.trim(),
          });
          form.reset();
          result.show(t('propose.done', { title: theme.title }), 'ok');
          onProposed(theme);
        } catch (err) {
          problem.show(errorText(err), 'error');
        } finally {
          busy = false;
        }
      },
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'prop-title' }, t('propose.field.title')),
      h('p', { class: 'hint', id: 'prop-hint' }, t('propose.hint')),
      titleInput,
    ),
    h('div', { class: 'field' }, h('label', { for: 'prop-description' }, t('propose.field.description')), description),
    problem.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('propose.submit'))),
    result.el,
  );
  return h('section', { class: 'card', 'aria-labelledby': 'prop-heading' }, h('h2', { id: 'prop-heading' }, t('propose.title')), h('p', {}, t('propose.intro')), form);
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const title = h('h1', {}, t('dialogue.loading'));
  const description = h('p', { class: 'lead' });
  const now = h('section', { class: 'card now-open', 'aria-labelledby': 'now-title' });
  const steps = h('div');
  const themes = h('div');
  const problem = h('div', { role: 'alert' });
  const participant = ctx.me?.kind === 'participant';
  // Kept across renders, so a half-written proposal survives live updates.
  const proposals = participant ? proposalForm(slug, (theme) => {
    if (dialogue && applyTheme(dialogue, theme)) render();
  }) : null;
  const proposeBox = h('div', { class: 'stack' });
  const workshops = h('div', { class: 'stack' });
  const voting = h('div');
  ctx.setTitle(t('dialogue.loading'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'overview') ?? '',
    title,
    description,
    problem,
    participant ? h('p', {}, h('a', { href: `#/d/${seg(slug)}/mijn`, class: 'more' }, t('mine.link'))) : '',
    voting,
    now,
    h('section', { 'aria-labelledby': 'themes-title' }, h('h2', { id: 'themes-title' }, t('dialogue.themes.title')), themes),
    workshops,
    proposeBox,
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
    const voteStep = dialogue.steps.find((st) => st.step === VOTING_STEP);
    rerender(
      voting,
      voteStep && voteStep.state !== 'planned'
        ? h('p', {}, h('a', { href: `#/d/${seg(slug)}/voorkeuren`, class: 'more' }, voteStep.state === 'open' ? t('dialogue.vote.open') : t('dialogue.vote.results')))
        : null,
    );
    const proposing = proposals && dialogue.steps.some((st) => st.step === PROPOSAL_STEP && st.state === 'open');
    if (proposing && !proposeBox.contains(proposals)) proposeBox.replaceChildren(proposals);
    else if (!proposing) proposeBox.replaceChildren();
  };

  // Live workshops (Verdiepen) that one can join now or soon.
  api
    .get(`/api/dialogues/${seg(slug)}/workshops`)
    .then(({ workshops: found }) => {
      const live = found.filter((w) => w.state !== 'closed');
      if (!ctx.alive() || live.length === 0) return;
      workshops.replaceChildren(
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'ws-title' },
          h('h2', { id: 'ws-title' }, t('dialogue.workshops')),
          h(
            'ul',
            { class: 'themes' },
            live.map((w) =>
              h(
                'li',
                {},
                h('a', { href: `#/d/${seg(slug)}/werksessie/${w.id}` }, w.title),
                h('span', { class: `badge ${w.state}` }, t(`workshop.state.${w.state}`)),
              ),
            ),
          ),
        ),
      );
    })
    .catch(() => {}); // the overview works without them

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
      } else if (m.event === EVENTS.THEME_PROPOSED) {
        if (applyTheme(dialogue, m.data)) announce(t('dialogue.theme.proposed', { title: m.data.title }));
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
