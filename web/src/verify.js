// @ts-check
/**
 * Verifying an entry in the browser, with WebCrypto only: the entry's leaf hash
 * (SHA-256(0x00 || entry), RFC 9162), its inclusion proof up to the checkpoint's root
 * (interior nodes SHA-256(0x01 || left || right), the algorithm of RFC 9162 section 2.1.3.2),
 * and the checkpoint's Ed25519 signature as a C2SP signed note, against the log's verifier
 * key (`<name>+<key id>+<base64(0x01 || key)>`, the key id being the first four bytes of
 * SHA-256(name || "\n" || 0x01 || key)). Written here rather than taken from a package: it is
 * forty lines of our own format, and a verifier is best short enough to read whole.
 */
import { api } from './api.js';

const encoder = new TextEncoder();

/** @param {Uint8Array} bytes */
async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}
/** @param {...Uint8Array} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
/** @param {string} hex */
export function fromHex(hex) {
  return new Uint8Array((hex.match(/../g) || []).map((b) => parseInt(b, 16)));
}
/** @param {Uint8Array} bytes */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
/** @param {string} text */
function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** RFC 9162 leaf hash of an entry's text. @param {string} entry */
export async function leafHash(entry) {
  return sha256(concat(new Uint8Array([0]), encoder.encode(entry)));
}

/**
 * The root an inclusion proof leads to, or null when the proof is malformed.
 * @param {number} index @param {number} size @param {Uint8Array} leaf @param {Uint8Array[]} proof
 */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index >= 0 && index < size) || leaf.length !== 32 || proof.some((p) => p.length !== 32)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), p, r));
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/**
 * Opens a signed note with a verifier key: the text it signs, or an error message key.
 * @param {string} note @param {string} verifierKey
 * @returns {Promise<{ok: true, text: string} | {ok: false, reason: string}>}
 */
export async function openNote(note, verifierKey) {
  // The name has no '+', the key id is 8 hex digits; the base64 key may hold '+' itself.
  const [name, keyIdHex, ...rest] = verifierKey.trim().split('+');
  const keyB64 = rest.join('+');
  const keyBytes = fromBase64(keyB64 || '');
  if (keyBytes.length !== 33 || keyBytes[0] !== 1) return { ok: false, reason: 'verify.bad_key' };
  const expectedId = (await sha256(concat(encoder.encode(`${name}\n`), keyBytes))).slice(0, 4);
  if (toHex(expectedId) !== keyIdHex) return { ok: false, reason: 'verify.bad_key' };
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, reason: 'verify.no_signature' };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split('\n').filter(Boolean);
  const key = await crypto.subtle.importKey('raw', keyBytes.slice(1), { name: 'Ed25519' }, false, ['verify']);
  for (const line of lines) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const blob = fromBase64(match[2]);
    if (blob.length !== 68 || toHex(blob.slice(0, 4)) !== keyIdHex) continue;
    const good = await crypto.subtle.verify('Ed25519', key, blob.slice(4), encoder.encode(text));
    return good ? { ok: true, text } : { ok: false, reason: 'verify.bad_signature' };
  }
  return { ok: false, reason: 'verify.no_signature' };
}

/**
 * Verifies entry `seq` against the current signed checkpoint.
 * @param {number} seq @param {string} entryText
 * @returns {Promise<{ok: boolean, steps: {key: string, ok: boolean, vars?: Record<string, string|number>}[]}>}
 */
export async function verifyEntry(seq, entryText) {
  const steps = [];
  const [checkpoint, verifierKey] = await Promise.all([
    fetch('/api/v1/ledger/checkpoint').then((r) => r.text()),
    fetch('/api/v1/ledger/key').then((r) => r.text()),
  ]);
  const opened = await openNote(checkpoint, verifierKey);
  steps.push({ key: opened.ok ? 'verify.signature_ok' : opened.reason, ok: opened.ok, vars: { key: verifierKey.split('+')[0] } });
  if (!opened.ok) return { ok: false, steps };
  const [, sizeText, rootB64] = opened.text.split('\n');
  const size = Number(sizeText);
  const root = fromBase64(rootB64);
  const leaf = await leafHash(entryText);
  const proof = await api('/api/v1/ledger/proof/inclusion', { query: { seq: String(seq), size: String(size) } });
  const leafOk = toHex(leaf) === proof.leaf_hash;
  steps.push({ key: leafOk ? 'verify.leaf_ok' : 'verify.leaf_bad', ok: leafOk, vars: { hash: toHex(leaf).slice(0, 16) } });
  const computed = await rootFromInclusionProof(seq, size, leaf, proof.proof.map(fromHex));
  const rootOk = computed !== null && toHex(computed) === toHex(root);
  steps.push({ key: rootOk ? 'verify.inclusion_ok' : 'verify.inclusion_bad', ok: rootOk, vars: { seq, size } });
  return { ok: opened.ok && leafOk && rootOk, steps };
}
