// @ts-check
/**
 * The one wrapper around the HTTP API: same-origin fetches with the session cookie, JSON
 * out, and problem+json (RFC 9457) turned into an `ApiProblem` the views show.
 */

export class ApiProblem extends Error {
  /** @param {number} status @param {any} problem */
  constructor(status, problem) {
    super(problem?.detail || problem?.title || String(status));
    this.status = status;
    this.problem = problem || {};
  }
}

/**
 * @param {string} path  e.g. `/api/v1/corridors.geojson`
 * @param {{method?: string, body?: any, query?: Record<string, string|undefined>, signal?: AbortSignal}} [options]
 */
export async function api(path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(options.query || {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, value);
  }
  const init = /** @type {RequestInit} */ ({
    method: options.method || 'GET',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    signal: options.signal,
  });
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const response = await fetch(url, init);
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiProblem(response.status, typeof body === 'object' ? body : { detail: body });
  return body;
}

/** Every item of a paged list (`items`, `next_cursor`), at most `pages_max` pages of 1000. */
export async function apiAll(path, query = {}, pagesMax = 20) {
  /** @type {any[]} */
  const items = [];
  let cursor;
  for (let page = 0; page < pagesMax; page += 1) {
    const body = await api(path, { query: { ...query, limit: '1000', cursor } });
    items.push(...(body.items || []));
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  return items;
}
