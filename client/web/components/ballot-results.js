// The overall results of a ballot as a table, per method: dots, pairwise scores (0–100 with
// a 95 % interval) or statements (eens / oneens / pas). Counts of people come suppressed.

import { h } from '../lib/dom.js';
import { cellLabel, cellText } from '../lib/cells.js';
import { t } from '../i18n/index.js';

const COLUMNS = {
  dots: ['dots', 'voters'],
  pairwise: ['score', 'interval', 'wins', 'losses', 'undecided'],
  statements: ['agree', 'disagree', 'pass', 'seen'],
};

const decimal = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 0 });

function cell(value) {
  const label = cellLabel(value);
  return h(
    'td',
    { class: 'num' },
    label ? [h('span', { 'aria-hidden': 'true' }, cellText(value)), h('span', { class: 'visually-hidden' }, label)] : cellText(value),
  );
}

function value(item, column) {
  if (column === 'score') return h('td', { class: 'num' }, typeof item.score === 'number' ? decimal.format(item.score) : '—');
  if (column === 'interval') {
    const ok = typeof item.low === 'number' && typeof item.high === 'number';
    return h('td', { class: 'num' }, ok ? t('ballot.results.interval', { low: decimal.format(item.low), high: decimal.format(item.high) }) : '—');
  }
  return cell(item[column]);
}

/** A results table for `method` with the items best first; `caption` names it; `k` the
 * suppression threshold, explained under it. */
export function resultsTable(method, items, caption, k = 5) {
  const columns = COLUMNS[method] ?? [];
  return [h(
    'div',
    { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': caption },
    h(
      'table',
      { class: 'results' },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('ballot.results.item')),
          columns.map((c) => h('th', { scope: 'col', class: 'num' }, t(`ballot.results.${c}`))),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((item) => h('tr', { dataset: { id: String(item.id) } }, h('th', { scope: 'row' }, item.title ?? ''), columns.map((c) => value(item, c)))),
      ),
    ),
  ), h('p', { class: 'hint' }, t('gather.funnel.legend', { k }))];
}
