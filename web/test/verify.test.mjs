// The page's verifier (web/src/verify.js), run by node's WebCrypto: every inclusion case of
// the transparency-dev test data the ledger's own tests use, and signed notes, including a
// verifier key whose base64 holds '+' (the key text's separator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';
import { rootFromInclusionProof, openNote, leafHash, toHex } from '../src/verify.js';

globalThis.crypto ??= webcrypto;
const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, '../../crates/truce-ledger/tests/it/vectors/inclusion.json'), 'utf8'));
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'));

test('every inclusion case of the transparency-dev data is accepted or refused as published', async () => {
  assert.ok(vectors.length > 10);
  for (const c of vectors) {
    const root = await rootFromInclusionProof(c.leaf_index, c.tree_size, bytes(c.leaf_hash), c.proof.map(bytes));
    const accepted = root !== null && toHex(root) === toHex(bytes(c.root));
    assert.equal(accepted, !c.want_err, c.file);
  }
});

test('a leaf hash is SHA-256 of 0x00 and the entry', async () => {
  assert.equal(toHex(await leafHash('')), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
});

async function signedNote(text) {
  for (;;) {
    const { publicKey, privateKey } = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
    const keyBytes = new Uint8Array([1, ...raw]);
    const keyB64 = Buffer.from(keyBytes).toString('base64');
    if (!keyB64.includes('+')) continue;
    const name = 'example.org/log';
    const id = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...Buffer.from(`${name}\n`), ...keyBytes]))).slice(0, 4);
    const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, Buffer.from(text)));
    const note = `${text}\n\u2014 ${name} ${Buffer.from([...id, ...signature]).toString('base64')}\n`;
    return { note, key: `${name}+${toHex(id)}+${keyB64}` };
  }
}

test('a signed note opens with its key, even one whose base64 holds a plus', async () => {
  const text = 'example.org/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const { note, key } = await signedNote(text);
  assert.deepEqual(await openNote(note, key), { ok: true, text });
  const tampered = note.replace('\n3\n', '\n4\n');
  assert.deepEqual(await openNote(tampered, key), { ok: false, reason: 'verify.bad_signature' });
  const other = await signedNote(text);
  assert.deepEqual(await openNote(note, other.key), { ok: false, reason: 'verify.no_signature' });
});
