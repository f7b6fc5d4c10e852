// The offline outbox: a report written without a connection is kept on the device
// (IndexedDB) with everything fixed at writing time, its valid time (`when`) and the ids of
// the records it creates, and sent once the connection returns, signed then (the server
// takes `issued_at` only within 600 s of its clock, and a nonce once). Because the ids were
// fixed when it was written, a second send of one report (two tabs, a reply lost on the way
// back) is refused by the server as the same record (`409 /problems/duplicate`) and never
// makes two records; the outbox takes that refusal, once the record with its id reads back,
// as "it arrived".
// This module neither renders a form nor decides what a body holds.

import { idbStore, memoryStore } from '../sign/idb.js';
import { loadKey } from '../sign/keys.js';
import { submitCommand } from '../sign/submit.js';
import { uuidv7 } from '../sign/uuid7.js';

let store = globalThis.indexedDB ? idbStore('truce-outbox', 'outbox', 'outbox_id') : memoryStore('outbox_id');

/** The event dispatched on `globalThis` whenever the outbox changes. */
export const OUTBOX_EVENT = 'truce:outbox';

/** Replaces the store (tests). */
export function useOutboxStore(replacement) {
  store = replacement;
}

function changed() {
  if (typeof globalThis.dispatchEvent === 'function' && typeof CustomEvent === 'function') {
    globalThis.dispatchEvent(new CustomEvent(OUTBOX_EVENT));
  }
}

/**
 * Keeps a command body, complete with its ids and valid times, to send later as the
 * session's account.
 * @param {{command: string, body: object, session: {account_id: string, party_id?: string | null}}} what
 */
export async function enqueue({ command, body, session }) {
  const item = {
    outbox_id: uuidv7(),
    command,
    body,
    account_id: session.account_id,
    party_id: session.party_id ?? null,
    written_at: new Date().toISOString(),
    attempts: 0,
    last_problem: null,
  };
  await store.put(item);
  changed();
  return item;
}

/** What waits to be sent, oldest first. */
export async function pending() {
  const items = await store.all();
  return items.sort((a, b) => a.written_at.localeCompare(b.written_at));
}

/** Drops an item a person chose not to send. */
export async function discard(outboxId) {
  await store.delete(outboxId);
  changed();
}

/** Where the record each queued command creates can be read back, by its id. */
const READ_BACK = {
  report_incident: (body) => `/api/v1/incidents/${encodeURIComponent(body.incident_id)}`,
};

/**
 * Whether a refusal says the record this item creates is already in the log: a
 * `409 /problems/duplicate`, and the record with the id fixed at writing time can be read.
 * (The id is a UUIDv7 this device made: if a record has it, it is this report.)
 */
export async function arrivedBefore(item, reply, transport = {}) {
  if (reply.status !== 409 || reply.body?.type !== '/problems/duplicate') return false;
  const path = READ_BACK[item.command]?.(item.body);
  if (!path) return false;
  const doFetch = transport.fetch ?? globalThis.fetch;
  const response = await doFetch(`${transport.base ?? ''}${path}`, { headers: { accept: 'application/json' } });
  return response.ok;
}

let flushing = null;

async function withLock(work) {
  // One flush at a time across the tabs of this origin, where the browser can say so.
  if (globalThis.navigator?.locks?.request) return navigator.locks.request('truce-outbox', work);
  return work();
}

/**
 * Sends what the outbox holds, oldest first, each signed now with its account's key on this
 * device. Stops at the first item the server cannot be reached for (still offline).
 * Resolves with `{sent, refused, left}`: `sent` the items now in the log (with the receipt,
 * or `duplicate: true` when the log had them already), `refused` those the server refused
 * (kept, with the problem, for the person to see and discard), `left` how many still wait.
 * @param {object} [ctx] the page's context (unused here beyond the transport)
 * @param {{base?: string, fetch?: typeof fetch}} [transport]
 */
export function flushOutbox(ctx = {}, transport = ctx?.transport ?? {}) {
  flushing ??= withLock(() => flushOnce(transport)).finally(() => {
    flushing = null;
  });
  return flushing;
}

async function flushOnce(transport) {
  const sent = [];
  const refused = [];
  for (const item of await pending()) {
    const key = await loadKey(item.account_id);
    if (!key) {
      await store.put({ ...item, last_problem: { type: 'no-key', title: 'no key on this device for this account' } });
      refused.push(item);
      continue;
    }
    let reply;
    try {
      reply = await submitCommand({ key, author: item.account_id, party: item.party_id, body: item.body }, transport);
    } catch {
      break;
    }
    if (reply.ok || (await arrivedBefore(item, reply, transport))) {
      await store.delete(item.outbox_id);
      sent.push({ item, receipt: reply.ok ? reply.body : null, duplicate: !reply.ok });
    } else {
      const kept = { ...item, attempts: item.attempts + 1, last_problem: reply.body };
      await store.put(kept);
      refused.push(kept);
    }
  }
  const left = (await pending()).length;
  changed();
  return { sent, refused, left };
}
