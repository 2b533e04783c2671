// Staff log in with e-mail and password; participants use their personal link.

import { api } from '../api.js';
import { h, messageArea } from '../lib/dom.js';
import { t } from '../i18n/index.js';

export function mount(ctx) {
  ctx.setTitle(t('login.title'));
  const error = messageArea({ alert: true });
  const email = h('input', { type: 'email', id: 'login-email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, t('login.submit'));

  async function onSubmit(e) {
    e.preventDefault();
    error.clear();
    if (!email.value.trim() || !password.value) {
      error.show(t('login.missing'), 'error');
      (email.value.trim() ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.post('/api/auth/login', { email: email.value.trim(), password: password.value });
      // A fresh start with the new session cookie; stay on the page that was asked for.
      if (location.hash === '#/inloggen') location.hash = '#/';
      location.reload();
    } catch (err) {
      error.show(err.status === 401 ? t('login.wrong') : t('error.network'), 'error');
      password.focus();
      submit.disabled = false;
    }
  }

  ctx.root.append(
    h('h1', {}, t('login.title')),
    h('p', { class: 'lead' }, t('login.intro')),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, t('login.staff')),
      error.el,
      h(
        'form',
        { onsubmit: onSubmit, novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'login-email' }, t('login.email')), email),
        h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
        h('div', { class: 'actions' }, submit),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, t('login.participant')),
      h('p', {}, t('login.participant.text')),
    ),
  );
}
