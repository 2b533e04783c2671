// Verzamelen (facilitators): invitations drawn from the stakeholder map (mailed, or links
// to hand out), the list with revoke, open links for a self-declared profile, reminders
// to a group, and the join funnel per office, network, province or size (suppressed:
// "< 5" for a small count, "—" for a cell hidden because it could be worked out).

import { api, query, seg } from '../api.js';
import { copyButton } from '../components/copy.js';
import { linksTable } from '../components/links-table.js';
import { groupFilter } from '../components/group-filter.js';
import { modal } from '../components/modal.js';
import { staffNav } from '../components/subnav.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { cellLabel, cellText } from '../lib/cells.js';
import { h, messageArea, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';

const DEFAULT_OFFICES = ['burgemeester', 'gemeentesecretaris', 'griffier'];
const STATES = ['open', 'joined', 'expired', 'revoked'];
const DIMENSIONS = ['office', 'network', 'province', 'size'];

function checkbox(id, label, hint) {
  const input = h('input', { type: 'checkbox', id, 'aria-describedby': hint ? `${id}-hint` : null });
  const el = h(
    'div',
    { class: 'field' },
    h('label', { class: 'choice', for: id }, input, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
  return { el, input };
}

function cell(value) {
  const label = cellLabel(value);
  return h('td', { class: 'num' }, label ? h('span', { 'aria-hidden': 'true' }, cellText(value)) : cellText(value), label ? h('span', { class: 'visually-hidden' }, label) : null);
}

export async function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const title = h('h1', {}, t('gather.title'));
  const problem = h('div', { role: 'alert' });
  const confirm = modal({ title: t('gather.revoke.title') });
  ctx.setTitle(t('gather.title'));

  let offices = [];
  let networks = [];
  try {
    const [d, o, n] = await Promise.all([api.get(base), api.get('/api/offices'), api.get('/api/networks')]);
    if (!ctx.alive()) return undefined;
    offices = o.offices;
    networks = n.networks;
    title.textContent = t('gather.title.of', { title: d.title });
    ctx.setTitle(t('gather.title.of', { title: d.title }));
  } catch (err) {
    ctx.root.append(staffNav(ctx.me, slug, 'gather') ?? '', title, problem);
    replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
    return undefined;
  }
  const officeLabel = (name) => offices.find((o) => o.name === name)?.label ?? name;

  // --- batch from the map --------------------------------------------------------------------
  const batchResult = h('div');
  const batchProblem = messageArea({ alert: true });
  const officeBoxes = offices.map((o) => ({
    name: o.name,
    input: h('input', { type: 'checkbox', value: o.name, checked: DEFAULT_OFFICES.includes(o.name) }),
  }));
  const batchGroup = groupFilter({ offices, networks });
  const label = h('input', { type: 'text', id: 'b-label', maxlength: 64, autocomplete: 'off', 'aria-describedby': 'b-label-hint' });
  const send = checkbox('b-send', t('gather.batch.send'), t('gather.batch.send.hint'));
  const again = checkbox('b-again', t('gather.batch.again'));
  const batchForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        batchProblem.clear();
        batchResult.replaceChildren();
        const chosen = officeBoxes.filter((b) => b.input.checked).map((b) => b.name);
        if (chosen.length === 0) {
          batchProblem.show(t('gather.batch.offices.missing'), 'error');
          officeBoxes[0]?.input.focus();
          return;
        }
        const body = { offices: chosen, filter: batchGroup.value(), send: send.input.checked, again: again.input.checked };
        if (label.value.trim()) body.label = label.value.trim();
        try {
          const answer = await api.post(`${base}/invitations/batch`, body);
          const heading = h('h3', { tabindex: '-1' }, t('gather.batch.done', { n: answer.created }));
          replaceChildren(
            batchResult,
            heading,
            h('p', {}, t('gather.batch.counts', answer)),
            answer.links.length
              ? linksTable(
                  t('gather.batch.links'),
                  answer.links.map((l) => ({ who: `${l.name} – ${officeLabel(l.office)}`, link: l.link })),
                )
              : null,
          );
          heading.focus();
          loadList();
          loadFunnel();
        } catch (err) {
          batchProblem.show(errorText(err), 'error');
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, t('gather.batch.offices')),
      h('div', { class: 'choices' }, officeBoxes.map((b) => h('label', { class: 'choice' }, b.input, officeLabel(b.name)))),
    ),
    h('fieldset', {}, h('legend', {}, t('gather.batch.group')), batchGroup.el),
    h('div', { class: 'field' }, h('label', { for: 'b-label' }, t('gather.batch.label')), h('p', { class: 'hint', id: 'b-label-hint' }, t('gather.batch.label.hint')), label),
    send.el,
    again.el,
    batchProblem.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('gather.batch.submit'))),
  );

  // --- the list ------------------------------------------------------------------------------
  const listBox = h('div');
  const listSummary = h('p', { class: 'muted' });
  const listStatus = messageArea();
  const stateFilter = h(
    'select',
    { id: 'inv-state' },
    h('option', { value: '' }, t('group.all')),
    STATES.map((s) => h('option', { value: s }, t(`gather.state.${s}`))),
  );
  let invitations = [];
  stateFilter.addEventListener('change', () => renderList());

  function renderList() {
    const counts = Object.fromEntries(STATES.map((s) => [s, invitations.filter((i) => i.state === s).length]));
    listSummary.textContent = t('gather.list.summary', { n: invitations.length, ...counts });
    const shownRows = invitations.filter((i) => !stateFilter.value || i.state === stateFilter.value);
    if (shownRows.length === 0) {
      replaceChildren(listBox, h('p', {}, t('gather.list.none')));
      return;
    }
    replaceChildren(
      listBox,
      h(
        'div',
        { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'inv-caption' },
        h(
          'table',
          { class: 'nowrap' },
          h('caption', { id: 'inv-caption' }, t('gather.list.caption')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['gather.col.organisation', 'invitations.col.office', 'gather.col.province', 'gather.col.network', 'gather.col.label', 'gather.col.email', 'gather.col.state', 'gather.col.action'].map((k) =>
                h('th', { scope: 'col' }, t(k)),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            shownRows.map((i) => {
              const revoke =
                i.state === 'open'
                  ? h(
                      'button',
                      { type: 'button', class: 'danger small', 'aria-haspopup': 'dialog', dataset: { focusKey: `revoke-${i.id}` }, onclick: (e) => askRevoke(i, e.currentTarget) },
                      t('gather.revoke'),
                      h('span', { class: 'visually-hidden' }, t('gather.revoke.of', { n: i.id })),
                    )
                  : '';
              return h(
                'tr',
                { dataset: { id: String(i.id), state: i.state } },
                h('td', {}, i.organisation ?? i.municipality ?? '—'),
                h('td', {}, officeLabel(i.office)),
                h('td', {}, i.province ?? '—'),
                h('td', {}, i.network || '—'),
                h('td', {}, i.batch ?? '—'),
                h('td', { class: 'email' }, i.email ?? t('gather.email.none')),
                h(
                  'td',
                  {},
                  h('span', { class: `badge ${i.state}` }, t(`gather.state.${i.state}`)),
                  i.reminded_at ? h('span', { class: 'hint block' }, t('gather.reminded', { when: formatDateTime(i.reminded_at) })) : null,
                ),
                h('td', {}, revoke),
              );
            }),
          ),
        ),
      ),
    );
  }

  async function loadList() {
    try {
      invitations = (await api.get(`${base}/invitations`)).invitations;
      if (ctx.alive()) renderList();
    } catch (err) {
      listStatus.show(errorText(err), 'error');
    }
  }

  function askRevoke(invitation, opener) {
    replaceChildren(
      confirm.body,
      h(
        'form',
        {
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              await api.post(`${base}/invitations/${invitation.id}/revoke`, {});
              confirm.close();
              listStatus.show(t('gather.revoke.done'), 'ok');
              await loadList();
              listBox.setAttribute('tabindex', '-1');
              document.getElementById('inv-heading')?.focus();
            } catch (err) {
              confirm.close();
              listStatus.show(errorText(err), 'error');
            }
          },
        },
        h('p', {}, t('gather.revoke.text', { who: `${invitation.organisation ?? invitation.municipality ?? ''} ${officeLabel(invitation.office)}`.trim() })),
        confirm.actions(t('gather.revoke')),
      ),
    );
    confirm.open(opener);
  }

  // --- reminders -----------------------------------------------------------------------------
  const remindGroup = groupFilter({ offices, networks, withOffice: true });
  const notActive = checkbox('r-inactive', t('gather.remind.inactive'), t('gather.remind.inactive.hint'));
  const remindResult = h('div');
  const remindProblem = messageArea({ alert: true });
  const remindForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        remindProblem.clear();
        remindResult.replaceChildren();
        try {
          const answer = await api.post(`${base}/reminders`, { filter: remindGroup.value(), not_active: notActive.input.checked });
          const heading = h('h3', { tabindex: '-1' }, t('gather.remind.done', { n: answer.reminded }));
          const inactive = answer.not_active;
          replaceChildren(
            remindResult,
            heading,
            h('p', {}, t('gather.remind.counts', answer)),
            inactive ? h('p', {}, t('gather.remind.inactive.counts', { mailed: cellText(inactive.mailed), without: cellText(inactive.without_email) })) : null,
            answer.links.length ? linksTable(t('gather.remind.links'), answer.links.map((l) => ({ who: t('gather.invitation', { n: l.id }), link: l.link }))) : null,
          );
          heading.focus();
          loadList();
        } catch (err) {
          remindProblem.show(errorText(err), 'error');
        }
      },
    },
    h('fieldset', {}, h('legend', {}, t('gather.remind.group')), remindGroup.el),
    notActive.el,
    remindProblem.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('gather.remind.submit'))),
  );

  // --- open links ----------------------------------------------------------------------------
  const openLabel = h('input', { type: 'text', id: 'o-label', maxlength: 64, autocomplete: 'off', 'aria-describedby': 'o-label-hint' });
  const openUntil = h('input', { type: 'date', id: 'o-until', 'aria-describedby': 'o-until-hint' });
  const openResult = h('div');
  const openProblem = messageArea({ alert: true });
  const openList = h('div');
  const openForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        openProblem.clear();
        openResult.replaceChildren();
        if (!openLabel.value.trim()) {
          openLabel.setAttribute('aria-invalid', 'true');
          openProblem.show(t('gather.open.missing'), 'error');
          openLabel.focus();
          return;
        }
        openLabel.setAttribute('aria-invalid', 'false');
        const body = { label: openLabel.value.trim() };
        // The end of the chosen day on the users' clock (Amsterdam), as an instant.
        if (openUntil.value) body.expires_at = new Date(`${openUntil.value}T23:59:59`).toISOString();
        try {
          const link = await api.post(`${base}/open-links`, body);
          openForm.reset();
          const heading = h('h3', { tabindex: '-1' }, t('gather.open.done', { label: link.label }));
          replaceChildren(openResult, heading, h('p', {}, t('gather.links.once')), h('p', { class: 'link' }, h('code', {}, link.link)), copyButton(link.link, t('gather.open.copy')));
          heading.focus();
          loadOpenLinks();
        } catch (err) {
          openProblem.show(errorText(err), 'error');
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'o-label' }, t('gather.open.label')), h('p', { class: 'hint', id: 'o-label-hint' }, t('gather.open.label.hint')), openLabel),
    h('div', { class: 'field' }, h('label', { for: 'o-until' }, t('gather.open.until')), h('p', { class: 'hint', id: 'o-until-hint' }, t('gather.open.until.hint')), openUntil),
    openProblem.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('gather.open.submit'))),
  );

  async function loadOpenLinks() {
    try {
      const links = (await api.get(`${base}/open-links`)).open_links ?? [];
      if (!ctx.alive()) return;
      if (links.length === 0) {
        replaceChildren(openList, h('p', { class: 'muted' }, t('gather.open.none')));
        return;
      }
      replaceChildren(
        openList,
        h(
          'ul',
          { class: 'themes' },
          links.map((l) =>
            h(
              'li',
              { dataset: { id: String(l.id) } },
              h(
                'span',
                {},
                h('strong', {}, l.label),
                ' ',
                h('span', { class: `badge ${l.state}` }, t(`gather.state.${l.state}`)),
                l.expires_at ? h('span', { class: 'hint block' }, t('gather.open.expires', { when: formatDateTime(l.expires_at) })) : null,
              ),
              l.state === 'open'
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger small',
                      onclick: async (e) => {
                        const button = e.currentTarget;
                        try {
                          await api.post(`${base}/open-links/${l.id}/revoke`, {});
                          openProblem.show(t('gather.open.revoked', { label: l.label }), 'ok');
                          await loadOpenLinks();
                          document.getElementById('open-heading')?.focus();
                        } catch (err) {
                          openProblem.show(errorText(err), 'error');
                          button.focus();
                        }
                      },
                    },
                    t('gather.revoke'),
                    h('span', { class: 'visually-hidden' }, ` ${l.label}`),
                  )
                : '',
            ),
          ),
        ),
      );
    } catch (err) {
      openProblem.show(errorText(err), 'error');
    }
  }

  // --- the funnel ----------------------------------------------------------------------------
  const dimension = h('select', { id: 'f-dimension' }, DIMENSIONS.map((d) => h('option', { value: d }, t(`dimension.${d}`))));
  const funnelBox = h('div');
  dimension.addEventListener('change', () => loadFunnel());

  async function loadFunnel() {
    try {
      const f = await api.get(`${base}/funnel${query({ dimension: dimension.value })}`);
      if (!ctx.alive()) return;
      const row = (name, r, header = false) =>
        h(
          'tr',
          { class: header ? 'total' : null },
          h('th', { scope: 'row' }, name),
          cell(r.invited),
          cell(r.joined),
          cell(r.active),
          cell(r.not_joined),
          cell(r.joined_inactive),
          cell(r.self_declared?.joined),
          cell(r.self_declared?.active),
        );
      replaceChildren(
        funnelBox,
        h(
          'div',
          { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'funnel-caption' },
          h(
            'table',
            { class: 'funnel' },
            h('caption', { id: 'funnel-caption' }, t('gather.funnel.caption', { dimension: t(`dimension.${f.dimension}`) })),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t('gather.funnel.group')),
                ['invited', 'joined', 'active', 'not_joined', 'joined_inactive', 'self_joined', 'self_active'].map((c) => h('th', { scope: 'col', class: 'num' }, t(`gather.funnel.${c}`))),
              ),
            ),
            h('tbody', {}, f.groups.map((g) => row(g.group, g)), row(t('gather.funnel.total'), f.total, true)),
          ),
        ),
        h('p', { class: 'hint', id: 'funnel-legend' }, t('gather.funnel.legend', { k: f.k })),
      );
    } catch (err) {
      replaceChildren(funnelBox, h('p', { class: 'message error' }, errorText(err)));
    }
  }

  const section = (id, heading, ...children) =>
    h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id, tabindex: '-1' }, heading), ...children);

  // Tables with many columns: this screen may use the full width of a laptop.
  ctx.root.classList.add('wide');
  ctx.onCleanup(() => ctx.root.classList.remove('wide'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'gather') ?? '',
    title,
    h('p', { class: 'lead' }, t('gather.intro')),
    problem,
    section('batch-heading', t('gather.batch.title'), h('p', {}, t('gather.batch.intro')), batchForm, batchResult),
    section('inv-heading', t('gather.list.title'), listSummary, h('div', { class: 'field' }, h('label', { for: 'inv-state' }, t('gather.list.state')), stateFilter), listStatus.el, listBox),
    section('remind-heading', t('gather.remind.title'), h('p', {}, t('gather.remind.intro')), remindForm, remindResult),
    section('open-heading', t('gather.open.title'), h('p', {}, t('gather.open.intro')), openForm, openResult, h('h3', {}, t('gather.open.list')), openList),
    section('funnel-heading', t('gather.funnel.title'), h('p', {}, t('gather.funnel.intro')), h('div', { class: 'field' }, h('label', { for: 'f-dimension' }, t('gather.funnel.dimension')), dimension), funnelBox),
    confirm.el,
  );
  await Promise.all([loadList(), loadOpenLinks(), loadFunnel()]);
  return () => confirm.close();
}
