// The connection indicator in the header: an honest, polite status line.

import { STATUS } from '../connection.js';
import { t } from '../i18n/index.js';

const TEXT = {
  [STATUS.CONNECTING]: 'conn.connecting',
  [STATUS.OPEN]: 'conn.open',
  [STATUS.RECONNECTING]: 'conn.reconnecting',
  [STATUS.OFFLINE]: 'conn.offline',
  [STATUS.UNAUTHENTICATED]: 'conn.unauthenticated',
};

export function mountStatus(el, conn) {
  const show = (status) => {
    el.dataset.status = status;
    el.textContent = t(TEXT[status]);
  };
  show(conn.status);
  el.hidden = false;
  conn.addEventListener('status', (e) => show(e.detail));
}
