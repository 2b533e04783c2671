// The Dialoog wire protocol, v1, as the browser speaks it.
// The one place with the message tags; it mirrors realtime/protocol.py
// (tests/unit/test_protocol_js.py compares the two tag sets).

export const SUBPROTOCOL_JSON = 'dialoog.v1.json';

/** Messages the client sends. */
export const CLIENT_TAGS = Object.freeze({
  SUBSCRIBE: 'subscribe',
  UNSUBSCRIBE: 'unsubscribe',
  CONTRIBUTE: 'contribute',
  REACT: 'react',
  FLAG: 'flag',
  POLL: 'poll',
  VOTE_DOTS: 'vote_dots',
  VOTE_PAIR: 'vote_pair',
  VOTE_STATEMENT: 'vote_statement',
  PING: 'ping',
});

/** Messages the server sends. */
export const SERVER_TAGS = Object.freeze({
  ACK: 'ack',
  ERROR: 'error',
  SUBSCRIBED: 'subscribed',
  RESET: 'reset',
  POSITION: 'position',
  EVENT: 'event',
  PONG: 'pong',
});

/** Event names inside `event` messages that the client acts on. */
export const EVENTS = Object.freeze({
  CONTRIBUTION_CREATED: 'contribution.created',
  CONTRIBUTION_HIDDEN: 'contribution.hidden',
  CONTRIBUTION_RESTORED: 'contribution.restored',
  REACTION_COUNTS: 'reaction.counts',
  CONTRIBUTION_HELD: 'contribution.held',
  FLAG_CREATED: 'flag.created',
  MODERATION_ACTION: 'moderation.action',
  MODERATION_MODE: 'moderation.mode',
  STEP_CHANGED: 'step.changed',
  THEME_PROPOSED: 'theme.proposed',
  CONTRIBUTIONS_MOVED: 'contributions.moved',
  WORKSHOP_STATE: 'workshop.state',
  WORKSHOP_CONTRIBUTION: 'workshop.contribution',
  WORKSHOP_POLL: 'workshop.poll',
  WORKSHOP_PINNED: 'workshop.pinned',
  WORKSHOP_PRESENCE: 'workshop.presence',
  WORKSHOP_CLOSED: 'workshop.closed',
  REPRESENTATION_CHANGED: 'representation.changed',
  REPRESENTATION_ALERT: 'representation.alert',
  THEME_CREATED: 'theme.created',
  THEME_CHANGED: 'theme.changed',
  THEME_MERGED: 'theme.merged',
  BALLOT_CREATED: 'ballot.created',
  BALLOT_CHANGED: 'ballot.changed',
  BALLOT_COUNTS: 'ballot.counts',
  AGENDA_SET: 'agenda.set',
});

export const CONTRIBUTION_KINDS = Object.freeze(['idea', 'obstacle', 'solution', 'question', 'concern']);
export const REACTIONS = Object.freeze(['agree', 'disagree', 'pass']);
export const FLAG_REASONS = Object.freeze(['offensive', 'personal_data', 'off_topic', 'spam', 'other']);

export const BODY_MAX_CHARS = 2000;
export const NOTE_MAX_CHARS = 1000;

/** Steps in which participants contribute and react per theme (Verkennen, Verrijken, Verdiepen). */
export const CONTRIBUTION_STEPS = Object.freeze([3, 4, 6]);

/** Close codes of the contract. */
export const CLOSE = Object.freeze({
  TOO_LARGE: 1009,
  POLICY: 1008,
  TOO_SLOW: 4008,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
});

/** Channel names. */
export const channel = Object.freeze({
  dialogue: (slug) => `dialogue:${slug}`,
  theme: (id) => `theme:${id}`,
  moderation: (slug) => `moderation:${slug}`,
  workshop: (id) => `workshop:${id}`,
});
