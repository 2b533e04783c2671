// Dutch names of the protocol's values (kinds, reactions, reasons, states), from the catalogue.

import { t } from '../i18n/index.js';

export const kindLabel = (kind) => t(`kind.${kind}`);
export const reactionLabel = (reaction) => t(`reaction.${reaction}`);
export const reasonLabel = (reason) => t(`reason.${reason}`);
export const stepStateLabel = (state) => t(`step.state.${state}`);
export const themeStateLabel = (state) => t(`theme.state.${state}`);

/** A server error (WebSocket or HTTP) in Dutch: our text for its code, else its own message. */
export function errorText(err) {
  const known = {
    closed: 'error.closed',
    rate_limited: 'error.rate_limited',
    too_large: 'error.too_large',
    forbidden: 'error.forbidden',
    not_found: 'error.not_found',
    network: 'error.network',
    internal: 'error.internal',
    conflict: null,
    invalid: null,
    warning: null,
  };
  const key = known[err?.code];
  if (key) return t(key);
  if (err?.code === 'invalid' && err.message) return t('error.invalid', { detail: err.message });
  if (err?.message) return err.message;
  return t('error.unknown');
}
