// The form to write a contribution (or a reply): kind, text, send over the connection.

import { h, messageArea, replaceChildren, uid } from '../lib/dom.js';
import { formatNumber, t } from '../i18n/index.js';
import { errorText, kindLabel } from '../lib/labels.js';
import { BODY_MAX_CHARS, CLIENT_TAGS, CONTRIBUTION_KINDS } from '../protocol.js';

/**
 * options: conn, themeId, onPosted(ack, body), extra() (more fields for the message, e.g. a
 * workshop round), label (the text field's label) — returns { el, replyTo(item), focus() }.
 */
export function writeForm({ conn, themeId, onPosted, extra = () => ({}), label = t('write.body') }) {
  const id = uid('schrijf');
  const status = messageArea();
  const problem = messageArea({ alert: true });
  let parent = null;
  let confirmNext = false;
  let busy = false; // not `disabled`: a disabled button would drop keyboard focus

  const kindError = h('p', { class: 'message error', id: `${id}-kind-error`, hidden: true });
  const kinds = h(
    'fieldset',
    { 'aria-describedby': `${id}-kind-error` },
    h('legend', {}, t('write.kind')),
    kindError,
    h(
      'div',
      { class: 'choices' },
      CONTRIBUTION_KINDS.map((kind) =>
        h(
          'label',
          { class: 'choice' },
          h('input', { type: 'radio', name: `${id}-kind`, value: kind, checked: kind === 'idea' }),
          kindLabel(kind),
        ),
      ),
    ),
  );

  const counter = h('p', { class: 'counter', id: `${id}-counter` });
  const bodyError = h('p', { class: 'message error', id: `${id}-body-error`, hidden: true });
  const textarea = h('textarea', {
    id: `${id}-body`,
    name: 'body',
    rows: 5,
    maxlength: BODY_MAX_CHARS,
    'aria-describedby': `${id}-hint ${id}-counter ${id}-body-error`,
  });
  const updateCounter = () => {
    counter.textContent = t('write.counter', { n: formatNumber(textarea.value.length), max: formatNumber(BODY_MAX_CHARS) });
  };
  textarea.addEventListener('input', () => {
    updateCounter();
    confirmNext = false;
  });
  updateCounter();

  const replying = h('div', { class: 'replying', hidden: true });
  const submit = h('button', { type: 'submit' }, t('write.submit'));
  const form = h(
    'form',
    { novalidate: true, onsubmit: (e) => send(e) },
    replying,
    kinds,
    h(
      'div',
      { class: 'field' },
      h('label', { for: `${id}-body` }, label),
      h('p', { class: 'hint', id: `${id}-hint` }, t('write.hint')),
      bodyError,
      textarea,
      counter,
    ),
    problem.el,
    h('div', { class: 'actions' }, submit),
    status.el,
  );

  function fieldError(el, input, text) {
    el.hidden = !text;
    el.textContent = text ?? '';
    if (input) input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }

  function replyTo(item) {
    parent = item;
    replaceChildren(
      replying,
      h('p', {}, t('write.replying', { excerpt: excerpt(item.body) })),
      h('button', { type: 'button', class: 'quiet', onclick: () => cancelReply(true) }, t('write.reply.cancel')),
    );
    replying.hidden = false;
    textarea.focus();
  }

  function cancelReply(focus) {
    parent = null;
    replying.hidden = true;
    replying.replaceChildren();
    if (focus) textarea.focus();
  }

  async function send(e) {
    e.preventDefault();
    problem.clear();
    status.clear();
    const kind = form.querySelector(`input[name="${id}-kind"]:checked`)?.value;
    const body = textarea.value;
    fieldError(kindError, null, kind ? null : t('write.kind.missing'));
    const length = body.trim().length;
    fieldError(bodyError, textarea, length === 0 ? t('write.body.missing') : length > BODY_MAX_CHARS ? t('write.body.long') : null);
    if (!kind) return form.querySelector('input[type=radio]').focus();
    if (!bodyError.hidden) return textarea.focus();

    const message = { type: CLIENT_TAGS.CONTRIBUTE, theme: themeId, kind, body, ...extra() };
    if (parent) message.parent = parent.id;
    if (confirmNext) message.confirm = true;
    if (busy) return undefined;
    busy = true;
    submit.setAttribute('aria-disabled', 'true');
    status.show(conn.status === 'open' ? t('write.sending') : t('write.queued'));
    try {
      const ack = await conn.write(message);
      textarea.value = '';
      updateCounter();
      cancelReply(false);
      confirmNext = false;
      status.show(ack.held ? t('write.held') : t('write.posted'), 'ok');
      onPosted(ack, body);
    } catch (err) {
      status.clear();
      if (err.code === 'warning') {
        // The server saw something that looks like personal data: the author may rephrase,
        // or post anyway.
        confirmNext = true;
        problem.show([h('p', {}, err.message), h('p', {}, t('write.warning.again'))], 'warn');
      } else {
        problem.show(errorText(err), 'error');
      }
    } finally {
      busy = false;
      submit.removeAttribute('aria-disabled');
    }
    return undefined;
  }

  return { el: form, replyTo, focus: () => textarea.focus() };
}

function excerpt(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}
