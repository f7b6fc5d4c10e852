// Sending signed commands to the server: the server's clock (the server accepts `issued_at`
// within 600 s of its own clock, so commands are signed at send time on the server's
// clock, as the CLI does), and one POST per command. A refusal comes back as the server's
// problem+json, untouched, for the form to place at its field.

import { buildCommand, signCommand } from './envelope.js';

/**
 * Where the API is and how to reach it: `base` is '' in the page (same origin) and
 * `http://127.0.0.1:PORT` in node tests.
 * @typedef {{base?: string, fetch?: typeof fetch}} Transport
 */

/** @param {Transport} transport */
function endpoint(transport, path) {
  return `${transport?.base ?? ''}${path}`;
}

/**
 * Milliseconds to add to this device's clock to read the server's.
 * @param {Transport} transport
 */
export async function serverClockOffsetMs(transport = {}) {
  const doFetch = transport.fetch ?? globalThis.fetch;
  const sentAt = Date.now();
  const response = await doFetch(endpoint(transport, '/api/v1/status'), { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /api/v1/status answered ${response.status}`);
  const receivedAt = Date.now();
  const { now } = await response.json();
  const serverMs = Date.parse(now);
  if (Number.isNaN(serverMs)) throw new Error('the server status has no `now`');
  return serverMs - (sentAt + receivedAt) / 2;
}

/**
 * Signs `body` now (on the server's clock) as `author` for `party` with `key`, and posts it.
 * Resolves with `{ok, status, body}`: the receipt when accepted (201), else the problem.
 * Rejects only when the server cannot be reached (offline).
 * @param {{key: {keyPair: CryptoKeyPair, publicKey: string}, author: string, party: string | null, body: object}} what
 * @param {Transport} transport
 */
export async function submitCommand({ key, author, party, body }, transport = {}) {
  const offsetMs = await serverClockOffsetMs(transport);
  const command = buildCommand({ author, party, body, issuedAt: Date.now() + offsetMs });
  const signed = await signCommand(key, command);
  return postSigned(signed, transport);
}

/** Posts an already signed `{command, signer, signature}`. */
export async function postSigned(signed, transport = {}) {
  const doFetch = transport.fetch ?? globalThis.fetch;
  const response = await doFetch(endpoint(transport, '/api/v1/commands'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
    body: JSON.stringify(signed),
  });
  let reply = null;
  try {
    reply = await response.json();
  } catch {
    reply = { title: response.statusText, status: response.status };
  }
  return { ok: response.status === 201, status: response.status, body: reply };
}
