// Dutch names of the protocol's values (kinds, reactions, reasons, states), from the catalogue.

import { t } from '../i18n/index.js';

export const kindLabel = (kind) => t(`kind.${kind}`);
export const reactionLabel = (reaction) => t(`reaction.${reaction}`);
export const reasonLabel = (reason) => t(`reason.${reason}`);
export const stepStateLabel = (state) => t(`step.state.${state}`);
export const themeStateLabel = (state) => t(`theme.state.${state}`);

/** A server error (WebSocket or HTTP) in Dutch: our text for codes whose cause we can say
 * better, else the server's own (Dutch) message, which may name details such as a date. */
export function errorText(err) {
  const ours = {
    closed: 'error.closed',
    rate_limited: 'error.rate_limited',
    too_large: 'error.too_large',
    network: 'error.network',
    internal: 'error.internal',
  };
  if (ours[err?.code]) return t(ours[err.code]);
  if (err?.code === 'invalid' && err.message) return t('error.invalid', { detail: err.message });
  if (err?.message) return err.message;
  if (err?.code === 'forbidden') return t('error.forbidden');
  if (err?.code === 'not_found') return t('error.not_found');
  return t('error.unknown');
}
