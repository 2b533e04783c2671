// Beheer: the dialogues (all staff), new dialogues and staff accounts (admin only).

import { api, seg } from '../api.js';
import { copyButton } from '../components/copy.js';
import { t } from '../i18n/index.js';
import { h, messageArea, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';
import { MODERATORS } from '../routes.js';

const STAFF_ROLES = ['facilitator', 'lead', 'admin'];

function field(id, label, input, hint) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    input,
  );
}

function dialogueRow(d, me) {
  const s = seg(d.slug);
  const links = [h('a', { href: `#/d/${s}` }, t('staff.dialogue.open'))];
  if (MODERATORS.includes(me.role)) {
    links.push(
      h('a', { href: `#/moderatie/${s}` }, t('subnav.moderation')),
      h('a', { href: `#/beheer/d/${s}` }, t('subnav.manage')),
      h('a', { href: `#/beheer/d/${s}/uitnodigingen` }, t('subnav.invitations')),
    );
  }
  links.push(h('a', { href: `#/beheer/d/${s}/werksessies` }, t('subnav.workshops')));
  return h(
    'li',
    {},
    h('span', {}, h('strong', {}, d.title), ' ', h('span', { class: 'muted' }, `(${d.slug})`)),
    h('span', { class: 'actions' }, links),
  );
}

function newDialogueForm(onCreated) {
  const result = messageArea({ alert: true });
  const slug = h('input', { type: 'text', id: 'nd-slug', required: true, autocomplete: 'off', 'aria-describedby': 'nd-slug-hint', pattern: '[a-z0-9][a-z0-9\\-]{1,63}' });
  const title = h('input', { type: 'text', id: 'nd-title', required: true, autocomplete: 'off' });
  const description = h('textarea', { id: 'nd-description', rows: 3 });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        try {
          const d = await api.post('/api/dialogues', { slug: slug.value.trim(), title: title.value.trim(), description: description.value.trim() });
          form.reset();
          result.show(t('staff.dialogue.created', { title: d.title }), 'ok');
          onCreated(d);
        } catch (err) {
          result.show(errorText(err), 'error');
        }
      },
    },
    field('nd-title', t('staff.dialogue.title'), title),
    field('nd-slug', t('staff.dialogue.slug'), slug, t('staff.dialogue.slug.hint')),
    field('nd-description', t('staff.dialogue.description'), description),
    result.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff.dialogue.create'))),
  );
  return form;
}

function staffSection() {
  const tbody = h('tbody');
  const result = messageArea({ alert: true });
  const linkArea = h('div');
  const email = h('input', { type: 'email', id: 'ns-email', required: true, autocomplete: 'off' });
  const role = h(
    'select',
    { id: 'ns-role' },
    STAFF_ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))),
  );
  const password = h('input', { type: 'password', id: 'ns-password', autocomplete: 'new-password', 'aria-describedby': 'ns-password-hint' });

  const row = (s) => h('tr', {}, h('td', {}, s.email), h('td', {}, t(`role.${s.role}`)));
  const load = async () => {
    const data = await api.get('/api/staff');
    replaceChildren(tbody, data.staff.map(row));
  };

  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        linkArea.replaceChildren();
        const body = { email: email.value.trim(), role: role.value };
        if (password.value) body.password = password.value;
        try {
          const created = await api.post('/api/staff', body);
          form.reset();
          tbody.append(row(created));
          result.show(t('staff.account.created', { email: created.email }), 'ok');
          replaceChildren(
            linkArea,
            h('p', {}, t('staff.account.link')),
            h('p', { class: 'link' }, h('code', {}, created.link)),
            copyButton(created.link, t('staff.account.copy')),
          );
        } catch (err) {
          result.show(errorText(err), 'error');
        }
      },
    },
    field('ns-email', t('staff.account.email'), email),
    field('ns-role', t('staff.account.role'), role),
    field('ns-password', t('staff.account.password'), password, t('staff.account.password.hint')),
    result.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff.account.create'))),
  );

  const el = h(
    'section',
    { 'aria-labelledby': 'staff-title' },
    h('h2', { id: 'staff-title' }, t('staff.accounts')),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('caption', { class: 'visually-hidden' }, t('staff.accounts')), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('staff.account.email')), h('th', { scope: 'col' }, t('staff.account.role')))), tbody),
    ),
    h('div', { class: 'card' }, h('h3', {}, t('staff.account.new')), form, linkArea),
  );
  return { el, load };
}

export async function mount(ctx) {
  const { me } = ctx;
  const admin = me.role === 'admin';
  ctx.setTitle(t('staff.title'));
  const list = h('ul', { class: 'themes' });
  const none = h('p', { hidden: true }, t('staff.dialogues.none'));
  const problem = h('div', { role: 'alert' });
  ctx.root.append(
    h('h1', {}, t('staff.title')),
    problem,
    h('section', { 'aria-labelledby': 'dialogues-title' }, h('h2', { id: 'dialogues-title' }, t('staff.dialogues')), none, list),
  );
  if (MODERATORS.includes(me.role)) {
    ctx.root.append(
      h(
        'section',
        { 'aria-labelledby': 'find-title' },
        h('h2', { id: 'find-title' }, t('staff.find')),
        h('p', {}, t('staff.find.text')),
        h('p', {}, h('a', { href: '#/beheer/kaart', class: 'more' }, t('staff.map'))),
      ),
    );
  }
  const addRow = (d) => {
    none.hidden = true;
    list.prepend(dialogueRow(d, me));
  };
  let accounts = null;
  if (admin) {
    ctx.root.append(
      h('section', { class: 'card', 'aria-labelledby': 'nd-title-h' }, h('h2', { id: 'nd-title-h' }, t('staff.dialogue.new')), newDialogueForm(addRow)),
    );
    accounts = staffSection();
    ctx.root.append(accounts.el);
  }
  try {
    const [data] = await Promise.all([api.get('/api/dialogues'), accounts?.load()]);
    if (!ctx.alive()) return;
    none.hidden = data.dialogues.length > 0;
    replaceChildren(list, data.dialogues.map((d) => dialogueRow(d, me)));
  } catch (err) {
    problem.replaceChildren(h('p', { class: 'message error' }, errorText(err)));
  }
}
