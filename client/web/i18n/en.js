// English texts (partial): a missing key falls back to Dutch (nl.js is the reference).

export default {
  'app.name': 'Dialoog',
  skip: 'Skip to content',
};
