// The screens. Adding a screen is adding a module in screens/ and one line here.
// A screen module exports `mount(ctx)`; see router.js for what ctx holds.

export const STAFF = ['admin', 'facilitator', 'lead'];
export const MODERATORS = ['admin', 'facilitator'];
export const PARTICIPANTS = ['participant'];
export const ADMINS = ['admin'];

export const routes = [
  { path: '/', load: () => import('./screens/home.js') },
  { path: '/inloggen', public: true, load: () => import('./screens/login.js') },
  { path: '/d/:slug', load: () => import('./screens/dialogue.js') },
  { path: '/d/:slug/thema/:id', load: () => import('./screens/theme.js') },
  { path: '/d/:slug/werksessie/:id', load: () => import('./screens/workshop.js') },
  { path: '/d/:slug/voorkeuren', load: () => import('./screens/preferences.js') },
  { path: '/d/:slug/mijn', roles: PARTICIPANTS, load: () => import('./screens/my-contributions.js') },
  { path: '/moderatie/:slug', roles: MODERATORS, load: () => import('./screens/moderation.js') },
  { path: '/beheer', roles: STAFF, load: () => import('./screens/staff.js') },
  { path: '/beheer/kaart', roles: MODERATORS, load: () => import('./screens/stakeholders.js') },
  { path: '/beheer/d/:slug', roles: MODERATORS, load: () => import('./screens/manage.js') },
  { path: '/beheer/d/:slug/audit', roles: ADMINS, load: () => import('./screens/audit.js') },
  { path: '/beheer/d/:slug/verzamelen', roles: MODERATORS, load: () => import('./screens/gather.js') },
  { path: '/beheer/d/:slug/representativiteit', roles: MODERATORS, load: () => import('./screens/representation.js') },
  { path: '/beheer/d/:slug/werksessies', roles: STAFF, load: () => import('./screens/workshops.js') },
  { path: '/beheer/d/:slug/werksessie/:id', roles: STAFF, load: () => import('./screens/workshop-lead.js') },
  { path: '/beheer/d/:slug/voorkeuren', roles: MODERATORS, load: () => import('./screens/ballots.js') },
  { path: '/beheer/d/:slug/themas', roles: MODERATORS, load: () => import('./screens/themes.js') },
  {
    path: '/beheer/d/:slug/uitnodigingen',
    roles: MODERATORS,
    load: () => import('./screens/invitations.js'),
  },
];
