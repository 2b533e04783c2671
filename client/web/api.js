// HTTP JSON calls to /api with the session cookie; errors carry the contract's code.

export class ApiError extends Error {
  constructor(status, code, message, errors = []) {
    super(message);
    this.status = status;
    this.code = code;
    /** Row errors of a refused import ("Regel 3: …"), in Dutch; empty otherwise. */
    this.errors = errors;
  }
}

async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '');
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    const rows = Array.isArray(error.errors) ? error.errors.map(String) : [];
    throw new ApiError(response.status, error.code ?? 'error', error.message ?? '', rows);
  }
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}) => request('POST', path, body),
  patch: (path, body = {}) => request('PATCH', path, body),
  put: (path, body = {}) => request('PUT', path, body),
};

/** A query string from an object, leaving out empty values: query({ a: 1, b: '' }) → '?a=1'. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A path segment, encoded. */
export const seg = (value) => encodeURIComponent(String(value));
