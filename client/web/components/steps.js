// The seven steps as a list: number, name, state, call to action and dates.

import { h } from '../lib/dom.js';
import { formatDateTime, t } from '../i18n/index.js';
import { stepStateLabel } from '../lib/labels.js';

function dates(step) {
  const parts = [];
  if (step.opens_at) parts.push(t('step.opens_at', { when: formatDateTime(step.opens_at) }));
  if (step.closes_at) parts.push(t('step.closes_at', { when: formatDateTime(step.closes_at) }));
  return parts.length ? h('p', { class: 'muted' }, parts.join(' · ')) : null;
}

/** One step; `controls(step)` may add buttons (facilitators). */
export function stepItem(step, controls) {
  return h(
    'li',
    { class: 'step', dataset: { state: step.state, step: String(step.step) } },
    h('span', { class: 'num', 'aria-hidden': 'true' }, String(step.step)),
    h(
      'h3',
      {},
      h('span', {}, t('step.title', { n: step.step, name: step.name })),
      h('span', { class: `badge ${step.state}` }, stepStateLabel(step.state)),
    ),
    step.call_to_action ? h('p', {}, step.call_to_action) : null,
    dates(step),
    controls ? h('div', { class: 'controls actions' }, controls(step)) : null,
  );
}

export function stepList(steps, controls) {
  return h('ol', { class: 'steps' }, steps.map((s) => stepItem(s, controls)));
}

/** Apply a step.changed event to a dialogue model. */
export function applyStepChange(dialogue, data) {
  const step = dialogue.steps.find((s) => s.step === data.step);
  if (!step) return null;
  Object.assign(step, {
    state: data.state,
    opens_at: data.opens_at ?? null,
    closes_at: data.closes_at ?? null,
  });
  return step;
}

/** Apply theme.merged (data: theme, into) to a dialogue model. */
export function applyMerge(dialogue, data) {
  const source = dialogue.themes.find((x) => x.id === data.theme);
  if (source) Object.assign(source, { state: 'merged', merged_into: data.into });
  return source ?? null;
}

/** Apply theme.created / theme.changed to a dialogue model (idempotent). */
export function applyTheme(dialogue, theme) {
  const existing = dialogue.themes.find((x) => x.id === theme.id);
  if (existing) Object.assign(existing, theme);
  else dialogue.themes.push(theme);
  return !existing;
}
