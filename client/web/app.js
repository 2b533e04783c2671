// Boot: who am I (GET /api/me), the shared connection, the header, then the router.

import { api } from './api.js';
import { Connection, STATUS } from './connection.js';
import { setLanguage, t } from './i18n/index.js';
import { attachAnnouncer } from './lib/announcer.js';
import { h } from './lib/dom.js';
import { Router } from './router.js';
import { routes, STAFF } from './routes.js';
import { mountStatus } from './components/status.js';

async function whoAmI() {
  try {
    return await api.get('/api/me');
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

function navItems(me) {
  if (!me) return [];
  if (STAFF.includes(me.role)) return [{ href: '#/beheer', text: t('nav.staff') }];
  if (me.dialogue) {
    const base = `#/d/${encodeURIComponent(me.dialogue)}`;
    return [
      { href: base, text: t('nav.dialogue') },
      { href: `${base}/mijn`, text: t('nav.mine') },
    ];
  }
  return [];
}

function renderNav(me) {
  const nav = document.getElementById('nav');
  const list = document.getElementById('nav-list');
  nav.setAttribute('aria-label', t('nav.label'));
  const items = navItems(me).map((item) => h('li', {}, h('a', { href: item.href }, item.text)));
  // Participants join through a one-time link: logging out would lock them out.
  if (me && STAFF.includes(me.role)) {
    items.push(h('li', {}, h('button', { type: 'button', class: 'link-button', onclick: logout }, t('nav.logout'))));
  }
  list.replaceChildren(...items);
  nav.hidden = items.length === 0;
}

function markCurrent(path) {
  // The longest link that the path starts with is the current one (not its parents too).
  const links = [...document.querySelectorAll('#nav-list a')];
  const hits = links.filter((a) => {
    const target = a.getAttribute('href').slice(1);
    return path === target || path.startsWith(`${target}/`);
  });
  const best = hits.sort((a, b) => b.getAttribute('href').length - a.getAttribute('href').length)[0];
  for (const a of links) {
    if (a === best) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function logout() {
  try {
    await api.post('/api/auth/logout');
  } finally {
    location.hash = '#/';
    location.reload();
  }
}

function renderShell() {
  const skip = document.getElementById('skip');
  skip.textContent = t('skip');
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main').focus();
  });
  document.querySelector('.brand').textContent = t('app.name');
  document.getElementById('footer').replaceChildren(h('p', {}, t('footer')));
}

async function boot() {
  const lang = new URLSearchParams(location.search).get('lang');
  if (lang) setLanguage(lang);
  renderShell();
  attachAnnouncer(document.getElementById('announcer'));
  const main = document.getElementById('main');
  let me = null;
  try {
    me = await whoAmI();
  } catch {
    main.replaceChildren(h('h1', {}, t('error.screen.title')), h('p', { class: 'message error', role: 'alert' }, t('error.start')));
    return;
  }
  let conn = null;
  if (me) {
    conn = new Connection();
    mountStatus(document.getElementById('conn'), conn);
    conn.start();
  }
  renderNav(me);
  const router = new Router({ routes, root: main, context: { me, conn }, onNavigate: markCurrent });
  conn?.addEventListener('status', (e) => {
    if (e.detail !== STATUS.UNAUTHENTICATED) return;
    // The session ended (expired, or logged out elsewhere): show the entry again.
    conn.stop();
    router.context = { me: null, conn: null };
    renderNav(null);
    router.render();
  });
  await router.start();
}

boot();
