// A group of the population as form fields (office, province, network, size), the
// `filter` of invitations from the map and of reminders. Empty fields are left out.

import { h, uid } from '../lib/dom.js';
import { t } from '../i18n/index.js';
import { PROVINCES, SIZE_CLASSES, UNKNOWN } from '../lib/stakeholders.js';

function selectField(id, label, options, hint) {
  const select = h(
    'select',
    { id, 'aria-describedby': hint ? `${id}-hint` : null },
    h('option', { value: '' }, t('group.all')),
    options.map(([value, text]) => h('option', { value }, text)),
  );
  const el = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    select,
  );
  return { el, select };
}

/**
 * groupFilter({ offices, networks, withOffice }) → { el, value() }: value() is the filter
 * object with only the chosen conditions ({} for everyone).
 */
export function groupFilter({ offices = [], networks = [], withOffice = false }) {
  const id = uid('groep');
  const fields = {};
  if (withOffice) fields.office = selectField(`${id}-office`, t('group.office'), offices.map((o) => [o.name, o.label]));
  fields.province = selectField(`${id}-province`, t('group.province'), [...PROVINCES.map((p) => [p, p]), [UNKNOWN, t('map.member.onbekend')]]);
  fields.network = selectField(
    `${id}-network`,
    t('group.network'),
    networks.flatMap((n) => [
      [n.name, t('group.network.member', { name: n.name })],
      [`${n.name}: ${UNKNOWN}`, t('group.network.unknown', { name: n.name })],
    ]),
  );
  fields.size = selectField(`${id}-size`, t('group.size'), [...SIZE_CLASSES.map((s) => [s, s]), [UNKNOWN, t('map.member.onbekend')]]);
  const el = h(
    'div',
    {},
    h('p', { class: 'hint' }, t('group.network.hint')),
    h('div', { class: 'filters' }, Object.values(fields).map((f) => f.el)),
  );
  return {
    el,
    value() {
      const filter = {};
      for (const [name, f] of Object.entries(fields)) if (f.select.value) filter[name] = f.select.value;
      return filter;
    },
  };
}
