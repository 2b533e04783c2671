// The entry: who you are decides where you go.

import { STAFF } from '../routes.js';

export function mount(ctx) {
  const { me } = ctx;
  if (me && STAFF.includes(me.role)) location.replace('#/beheer');
  else if (me?.dialogue) location.replace(`#/d/${encodeURIComponent(me.dialogue)}`);
}
