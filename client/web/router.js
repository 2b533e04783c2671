// A hash router: #/d/<slug> → screens/dialogue.js. One screen is mounted at a time; its
// cleanup (unsubscribe, timers) runs before the next one mounts.
//
// A screen's `mount(ctx)` builds into ctx.root and may return a cleanup function. ctx:
//   root      the <main> element (already emptied)
//   params    the route's :names, decoded
//   me        { kind, role, dialogue } from GET /api/me, or null
//   conn      the shared Connection (null when not logged in)
//   alive()   false once the user navigated away (check after every await)
//   setTitle(text), navigate(path), onCleanup(fn)

import { h, focusHeading } from './lib/dom.js';
import { t } from './i18n/index.js';

function compile(path) {
  const names = [];
  const pattern = path.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

export class Router {
  constructor({ routes, root, context, onNavigate }) {
    this.routes = routes.map((r) => ({ ...r, ...compile(r.path) }));
    this.root = root;
    this.context = context;
    this.onNavigate = onNavigate;
    this.cleanups = [];
    this.token = 0;
    this.first = true;
  }

  start() {
    window.addEventListener('hashchange', () => this.render());
    return this.render();
  }

  path() {
    const hash = location.hash;
    return hash.startsWith('#/') ? hash.slice(1) : '/';
  }

  match(path) {
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (m) {
        const params = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]);
        });
        return { route, params };
      }
    }
    return null;
  }

  navigate(path) {
    if (this.path() === path) this.render();
    else location.hash = `#${path}`;
  }

  teardown() {
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch (err) {
        console.error('cleanup failed', err);
      }
    }
  }

  async render() {
    if (location.hash && !location.hash.startsWith('#/')) return; // an in-page anchor
    const token = ++this.token;
    this.teardown();
    this.root.replaceChildren();
    const path = this.path();
    const found = this.match(path);
    const { me } = this.context;
    this.onNavigate?.(path);
    if (!found) return this.show(token, () => import('./screens/not-found.js'), {});
    const { route, params } = found;
    if (!route.public && !me) return this.show(token, () => import('./screens/login.js'), {});
    if (route.roles && !route.roles.includes(me.role)) {
      return this.show(token, () => import('./screens/not-found.js'), { forbidden: true });
    }
    return this.show(token, route.load, params);
  }

  async show(token, load, params) {
    const ctx = {
      ...this.context,
      root: this.root,
      params,
      alive: () => token === this.token,
      setTitle: (text) => {
        document.title = `${text} – ${t('app.name')}`;
      },
      navigate: (path) => this.navigate(path),
      onCleanup: (fn) => {
        if (token === this.token) this.cleanups.push(fn);
        else fn();
      },
    };
    try {
      const screen = await load();
      if (!ctx.alive()) return;
      const cleanup = await screen.mount(ctx);
      if (typeof cleanup === 'function') {
        if (ctx.alive()) this.cleanups.push(cleanup);
        else cleanup();
      }
    } catch (err) {
      console.error('screen failed', err);
      if (!ctx.alive()) return;
      this.root.replaceChildren(
        h('h1', {}, t('error.screen.title')),
        h('p', { class: 'message error', role: 'alert' }, t('error.screen.text')),
      );
    }
    if (!ctx.alive()) return;
    // Move focus to the new page's heading, so keyboard and screen-reader users start
    // there; not on the first load, where the browser's own start is right.
    if (!this.first) focusHeading(this.root.querySelector('h1'));
    this.first = false;
  }
}
