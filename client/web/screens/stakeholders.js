// Vinden: the stakeholder map (facilitators). Filter the organisations, correct one
// (name, province, inhabitants, network memberships ja/nee/onbekend), add one, import
// corrections and contacts from CSV (row errors shown, nothing applied), and keep the
// lists of offices and networks. Unknown is shown as "onbekend", never as "nee".

import { api, query, seg } from '../api.js';
import { modal } from '../components/modal.js';
import { formatNumber, t } from '../i18n/index.js';
import { h, messageArea, replaceChildren, uid } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';
import {
  KINDS,
  MEMBERSHIP_VALUES,
  PROVINCES,
  SIZE_CLASSES,
  UNKNOWN,
  kindLabel,
  membershipFromValue,
  membershipLabel,
  membershipValue,
  populationText,
} from '../lib/stakeholders.js';

function field(id, label, input, hint) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    input,
  );
}

function select(id, options, { empty, value } = {}) {
  return h(
    'select',
    { id },
    empty ? h('option', { value: '' }, empty) : null,
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

/** A CSV file picker that POSTs {csv} and shows counts or the row errors. */
function csvImport({ id, label, hint, path, done }) {
  const file = h('input', { type: 'file', id, accept: '.csv,text/csv,text/plain', 'aria-describedby': `${id}-hint` });
  const result = messageArea({ alert: true });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        const chosen = file.files?.[0];
        if (!chosen) {
          result.show(t('map.import.missing'), 'error');
          file.focus();
          return;
        }
        try {
          const answer = await api.post(path, { csv: await chosen.text() });
          result.show(done(answer), 'ok');
          form.reset();
        } catch (err) {
          const rows = err.errors?.length ? h('ul', { class: 'row-errors' }, err.errors.map((r) => h('li', {}, r))) : null;
          result.show([h('p', {}, errorText(err)), rows], 'error');
        }
      },
    },
    field(id, label, file, hint),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('map.import.submit'))),
    result.el,
  );
  return form;
}

export async function mount(ctx) {
  let networks = [];
  let offices = [];
  let organisations = [];

  const problem = h('div', { role: 'alert' });
  const count = h('p', { role: 'status', class: 'count-line' });
  const tableBox = h('div');

  // --- filters -------------------------------------------------------------------------------
  const fProvince = select('f-province', PROVINCES.map((p) => [p, p]), { empty: t('map.filter.all') });
  const fNetwork = h('select', { id: 'f-network' });
  const fKind = select('f-kind', KINDS.map((k) => [k, kindLabel(k)]), { empty: t('map.filter.all') });
  const fSize = select('f-size', [...SIZE_CLASSES.map((s) => [s, s]), [UNKNOWN, t('map.member.onbekend')]], { empty: t('map.filter.all') });
  const fQuery = h('input', { type: 'search', id: 'f-q', maxlength: 100, autocomplete: 'off' });
  const filters = h(
    'form',
    { role: 'search', 'aria-label': t('map.filter.label'), class: 'filters', novalidate: true, onsubmit: (e) => { e.preventDefault(); load(); } },
    field('f-q', t('map.filter.q'), fQuery),
    field('f-province', t('map.col.province'), fProvince),
    field('f-network', t('map.filter.network'), fNetwork),
    field('f-kind', t('map.col.kind'), fKind),
    field('f-size', t('map.col.size'), fSize),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, t('map.filter.submit')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { filters.reset(); load(); } }, t('map.filter.clear')),
    ),
  );

  // --- the table -----------------------------------------------------------------------------
  function row(org) {
    const edit = h(
      'button',
      { type: 'button', class: 'secondary small', 'aria-haspopup': 'dialog', dataset: { focusKey: `edit-${org.code}` }, onclick: () => editOrganisation(org, edit) },
      t('map.edit'),
      h('span', { class: 'visually-hidden' }, ` ${org.name}`),
    );
    return h(
      'tr',
      { dataset: { code: org.code } },
      h('th', { scope: 'row' }, h('span', { class: 'org-name' }, org.name), h('span', { class: 'code' }, org.code)),
      h('td', {}, kindLabel(org.kind)),
      h('td', {}, org.province ?? t('map.member.onbekend')),
      h('td', { class: 'num' }, populationText(org.population)),
      networks.map((n) => {
        const value = membershipValue(org.networks[n.name]);
        return h('td', { class: `member ${value}`, dataset: { network: n.name } }, membershipLabel(org.networks[n.name]));
      }),
      h('td', {}, edit),
    );
  }

  function renderTable() {
    count.textContent = t('map.count', { n: organisations.length });
    if (organisations.length === 0) {
      replaceChildren(tableBox, h('p', {}, t('map.none')));
      return;
    }
    replaceChildren(
      tableBox,
      h('p', { class: 'hint scroll-hint', id: 'map-scroll' }, t('map.caption.scroll')),
      h(
        'div',
        { class: 'table-wrap map-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'map-caption' },
        h(
          'table',
          { class: 'map' },
          h('caption', { id: 'map-caption' }, t('map.caption')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('map.col.name')),
              h('th', { scope: 'col' }, t('map.col.kind')),
              h('th', { scope: 'col' }, t('map.col.province')),
              h('th', { scope: 'col', class: 'num' }, t('map.col.population')),
              networks.map((n) => h('th', { scope: 'col', title: n.description || null }, n.name)),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('map.col.edit'))),
            ),
          ),
          h('tbody', {}, organisations.map(row)),
        ),
      ),
    );
  }

  async function load() {
    problem.replaceChildren();
    const params = {
      province: fProvince.value,
      network: fNetwork.value,
      kind: fKind.value,
      size: fSize.value,
      q: fQuery.value.trim(),
    };
    try {
      const data = await api.get(`/api/stakeholders${query(params)}`);
      if (!ctx.alive()) return;
      organisations = data.organisations;
      renderTable();
    } catch (err) {
      replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
    }
  }

  // --- correcting one organisation (a dialog) -------------------------------------------------
  const editor = modal({ title: t('map.edit.title') });

  function editOrganisation(org, opener) {
    const id = uid('org');
    const result = messageArea({ alert: true });
    const name = h('input', { type: 'text', id: `${id}-name`, value: org.name, maxlength: 200, autocomplete: 'off' });
    const province = select(`${id}-province`, PROVINCES.map((p) => [p, p]), { empty: t('map.member.onbekend'), value: org.province ?? '' });
    const population = h('input', { type: 'text', inputmode: 'numeric', id: `${id}-population`, value: org.population ?? '', autocomplete: 'off', 'aria-describedby': `${id}-population-hint` });
    const memberships = networks.map((n) =>
      h(
        'fieldset',
        { class: 'tri' },
        h('legend', {}, t('map.edit.member', { network: n.name })),
        h(
          'div',
          { class: 'choices' },
          MEMBERSHIP_VALUES.map((v) =>
            h(
              'label',
              { class: 'choice' },
              h('input', { type: 'radio', name: `${id}-${n.name}`, value: v, checked: membershipValue(org.networks[n.name]) === v }),
              t(`map.member.${v}`),
            ),
          ),
        ),
      ),
    );
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          result.clear();
          const change = {};
          if (name.value.trim() !== org.name) change.name = name.value.trim();
          if ((province.value || null) !== (org.province ?? null)) change.province = province.value || null;
          const inhabitants = population.value.replace(/[.\s]/g, '');
          if (inhabitants && !/^\d+$/.test(inhabitants)) {
            population.setAttribute('aria-invalid', 'true');
            result.show(t('map.population.invalid'), 'error');
            population.focus();
            return;
          }
          const pop = inhabitants ? Number(inhabitants) : null;
          if (pop !== (org.population ?? null)) change.population = pop;
          const nets = {};
          for (const n of networks) {
            const chosen = form.querySelector(`input[name="${CSS.escape(`${id}-${n.name}`)}"]:checked`)?.value;
            const value = membershipFromValue(chosen);
            if (value !== (org.networks[n.name] ?? null)) nets[n.name] = value;
          }
          if (Object.keys(nets).length) change.networks = nets;
          if (Object.keys(change).length === 0) {
            editor.close();
            return;
          }
          try {
            const saved = await api.patch(`/api/stakeholders/${seg(org.code)}`, change);
            const i = organisations.findIndex((o) => o.code === saved.code);
            if (i >= 0) organisations[i] = saved;
            renderTable();
            editor.close();
            // The row was redrawn: give focus to its new edit button.
            tableBox.querySelector(`[data-focus-key="${CSS.escape(`edit-${saved.code}`)}"]`)?.focus();
            count.textContent = t('map.saved', { name: saved.name });
          } catch (err) {
            result.show(errorText(err), 'error');
          }
        },
      },
      h('p', { class: 'muted' }, t('map.edit.code', { code: org.code, kind: kindLabel(org.kind) })),
      field(`${id}-name`, t('map.col.name'), name),
      field(`${id}-province`, t('map.col.province'), province),
      field(`${id}-population`, t('map.col.population'), population, t('map.population.hint')),
      h('h3', {}, t('map.edit.networks')),
      h('p', { class: 'hint' }, t('map.edit.networks.hint')),
      memberships,
      result.el,
      editor.actions(t('map.edit.save')),
    );
    editor.heading.textContent = t('map.edit.title.of', { name: org.name });
    replaceChildren(editor.body, form);
    editor.open(opener);
  }

  // --- adding an organisation ----------------------------------------------------------------
  const addResult = messageArea({ alert: true });
  const aName = h('input', { type: 'text', id: 'a-name', maxlength: 200, autocomplete: 'off' });
  const aKind = select('a-kind', KINDS.map((k) => [k, kindLabel(k)]), { value: 'overig' });
  const aCode = h('input', { type: 'text', id: 'a-code', maxlength: 32, autocomplete: 'off', 'aria-describedby': 'a-code-hint' });
  const aProvince = select('a-province', PROVINCES.map((p) => [p, p]), { empty: t('map.member.onbekend') });
  const aPopulation = h('input', { type: 'text', inputmode: 'numeric', id: 'a-population', autocomplete: 'off', 'aria-describedby': 'a-population-hint' });
  const addForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        addResult.clear();
        if (!aName.value.trim()) {
          aName.setAttribute('aria-invalid', 'true');
          addResult.show(t('map.add.missing'), 'error');
          aName.focus();
          return;
        }
        aName.setAttribute('aria-invalid', 'false');
        const body = { name: aName.value.trim(), kind: aKind.value };
        if (aCode.value.trim()) body.code = aCode.value.trim();
        if (aProvince.value) body.province = aProvince.value;
        const pop = aPopulation.value.replace(/[.\s]/g, '');
        if (pop) body.population = Number(pop);
        try {
          const org = await api.post('/api/stakeholders', body);
          addForm.reset();
          addResult.show(t('map.add.done', { name: org.name, code: org.code }), 'ok');
          await load();
        } catch (err) {
          addResult.show(errorText(err), 'error');
        }
      },
    },
    field('a-name', t('map.col.name'), aName),
    field('a-kind', t('map.col.kind'), aKind),
    field('a-code', t('map.add.code'), aCode, t('map.add.code.hint')),
    field('a-province', t('map.col.province'), aProvince),
    field('a-population', t('map.col.population'), aPopulation, t('map.population.hint')),
    addResult.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('map.add.submit'))),
  );

  // --- offices and networks ------------------------------------------------------------------
  const officeList = h('ul', { class: 'plain tags' });
  const networkList = h('ul', { class: 'plain' });
  function renderCatalogue() {
    replaceChildren(officeList, offices.map((o) => h('li', {}, `${o.label} (${o.name})`)));
    replaceChildren(networkList, networks.map((n) => h('li', {}, h('strong', {}, n.name), n.description ? ` – ${n.description}` : '')));
    const chosen = fNetwork.value;
    replaceChildren(fNetwork, h('option', { value: '' }, t('map.filter.all')), networks.map((n) => h('option', { value: n.name }, n.name)));
    fNetwork.value = networks.some((n) => n.name === chosen) ? chosen : '';
  }

  function catalogueForm({ id, nameLabel, extraLabel, path, body, done }) {
    const result = messageArea({ alert: true });
    const name = h('input', { type: 'text', id: `${id}-name`, maxlength: 64, autocomplete: 'off' });
    const extra = h('input', { type: 'text', id: `${id}-extra`, maxlength: 200, autocomplete: 'off' });
    const form = h(
      'form',
      {
        novalidate: true,
        class: 'inline-form',
        onsubmit: async (e) => {
          e.preventDefault();
          result.clear();
          try {
            const created = await api.post(path, body(name.value.trim(), extra.value.trim()));
            form.reset();
            result.show(done(created), 'ok');
            await loadCatalogue();
            if (path === '/api/networks') renderTable();
          } catch (err) {
            result.show(errorText(err), 'error');
          }
        },
      },
      field(`${id}-name`, nameLabel, name),
      field(`${id}-extra`, extraLabel, extra),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('map.catalogue.add'))),
      result.el,
    );
    return form;
  }

  async function loadCatalogue() {
    const [o, n] = await Promise.all([api.get('/api/offices'), api.get('/api/networks')]);
    offices = o.offices;
    networks = n.networks;
    renderCatalogue();
  }

  // A table with a column per network: this screen may use the full width of a laptop.
  ctx.root.classList.add('wide');
  ctx.onCleanup(() => ctx.root.classList.remove('wide'));
  ctx.setTitle(t('map.title'));
  ctx.root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/beheer' }, t('map.back'))),
    h('h1', {}, t('map.title')),
    h('p', { class: 'lead' }, t('map.intro')),
    problem,
    h('section', { class: 'card', 'aria-labelledby': 'map-filters' }, h('h2', { id: 'map-filters' }, t('map.filter.title')), filters),
    count,
    tableBox,
    h('section', { class: 'card', 'aria-labelledby': 'map-add' }, h('h2', { id: 'map-add' }, t('map.add.title')), addForm),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'map-import' },
      h('h2', { id: 'map-import' }, t('map.import.title')),
      h('p', {}, t('map.import.intro')),
      csvImport({
        id: 'imp-orgs',
        label: t('map.import.orgs'),
        hint: t('map.import.orgs.hint'),
        path: '/api/stakeholders/import',
        done: (a) => {
          load();
          return t('map.import.orgs.done', a);
        },
      }),
      csvImport({
        id: 'imp-contacts',
        label: t('map.import.contacts'),
        hint: t('map.import.contacts.hint'),
        path: '/api/stakeholders/contacts/import',
        done: (a) => [
          h('p', {}, t('map.import.contacts.done', a)),
          h(
            'p',
            {},
            t('map.import.contacts.per', {
              list: Object.entries(a.contacts_per_office ?? {}).map(([o, n]) => `${o}: ${formatNumber(n)}`).join(', ') || '—',
            }),
          ),
        ],
      }),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'map-catalogue' },
      h('h2', { id: 'map-catalogue' }, t('map.catalogue.title')),
      h('h3', {}, t('map.offices')),
      officeList,
      catalogueForm({
        id: 'new-office',
        nameLabel: t('map.office.name'),
        extraLabel: t('map.office.label'),
        path: '/api/offices',
        body: (name, label) => (label ? { name, label } : { name }),
        done: (o) => t('map.office.done', { label: o.label }),
      }),
      h('h3', {}, t('map.networks')),
      networkList,
      catalogueForm({
        id: 'new-network',
        nameLabel: t('map.network.name'),
        extraLabel: t('map.network.description'),
        path: '/api/networks',
        body: (name, description) => ({ name, description }),
        done: (n) => t('map.network.done', { name: n.name }),
      }),
    ),
    editor.el,
  );

  try {
    await loadCatalogue();
    if (!ctx.alive()) return undefined;
    await load();
  } catch (err) {
    replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
  }
  return () => editor.close();
}
