// A real truce server set up from scratch with the CLI, as an operator would
// (README "Running your own log" and "Keys and sign-in"): `truce init`, `truce serve`,
// parties, a force, a zone and accounts registered with `truce submit` signed by the
// operator key, and one enrolment code per account from `truce account enrolment`, for the
// browser-side key the tests enrol. Not a test file itself (no `.test.` in its name).

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { uuidv7 } from '../../src/sign/uuid7.js';

/** The `truce` binary: `$TRUCE_BIN`, else the workspace's debug build. */
export function truceBin() {
  if (process.env.TRUCE_BIN) return process.env.TRUCE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? fileURLToPath(new URL('../../../target', import.meta.url));
  return join(target, 'debug', 'truce');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(args, options = {}) {
  if (!existsSync(truceBin())) {
    throw new Error(`no truce binary at ${truceBin()}: build it (cargo build --bin truce) or set TRUCE_BIN`);
  }
  return execFileSync(truceBin(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

async function waitUntilUp(base, child) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`truce serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/api/v1/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`truce serve did not answer at ${base}`);
}

const AREA = [
  [37.14, 36.17],
  [37.21, 36.17],
  [37.21, 36.23],
  [37.14, 36.23],
  [37.14, 36.17],
];

/**
 * Starts a server on a fresh data directory and registers a small world. Returns the base
 * URL, the ids, each account's enrolment code (`codes[handle]`), a `submit(handle, body)`
 * that signs with the account's CLI key, `enrolment(handle)` for a further code, and `stop()`.
 */
export async function startWorld() {
  const dir = mkdtempSync(join(tmpdir(), 'truce-webforms-'));
  const data = join(dir, 'data');
  run(['init', '--data', data, '--origin', 'webforms.test/log']);
  const config = JSON.parse(readFileSync(join(data, 'truce.json'), 'utf8'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(truceBin(), ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let serverLog = '';
  child.stderr.on('data', (chunk) => {
    serverLog += chunk;
  });
  await waitUntilUp(base, child);

  const operator = { key: join(data, 'operator.key'), author: config.operator_account_id, party: null };
  const submitAs = (signer, body) => {
    const file = join(dir, `body-${uuidv7()}.json`);
    writeFileSync(file, JSON.stringify(body));
    const args = ['submit', file, '--key', signer.key, '--author', signer.author, '--server', base];
    if (signer.party) args.push('--party', signer.party);
    return JSON.parse(run(args));
  };

  const ids = {
    parties: { RU: uuidv7(), US: uuidv7(), UN: uuidv7(), CELL: uuidv7() },
    forces: { SAA: uuidv7() },
    zones: { EA: uuidv7() },
  };
  const kinds = { RU: 'state', US: 'state', UN: 'monitor', CELL: 'monitor' };
  for (const [code, partyId] of Object.entries(ids.parties)) {
    submitAs(operator, { type: 'register_party', party_id: partyId, code, name: `Party ${code}`, kind: kinds[code] });
  }
  submitAs(operator, {
    type: 'register_force', force_id: ids.forces.SAA, code: 'SAA', name: 'Syrian Arab Army', party_ids: [ids.parties.RU],
  });
  submitAs(operator, {
    type: 'define_zone', zone_id: ids.zones.EA, code: 'EA', name: 'East Aleppo', kind: 'besieged_area',
    boundary: { type: 'Polygon', coordinates: [AREA] },
  });

  // Each party's first account, registered by the operator with a CLI key; the browser key
  // of the tests is enrolled onto the same account with a code it opens for itself.
  const accountsSpec = {
    ru: { party: 'RU', roles: ['coordinator'] },
    us: { party: 'US', roles: ['coordinator'] },
    un: { party: 'UN', roles: ['monitor'] },
    cell: { party: 'CELL', roles: ['analyst'] },
  };
  const accounts = {};
  for (const [handle, spec] of Object.entries(accountsSpec)) {
    const keyFile = join(dir, `${handle}.key`);
    const publicKey = run(['keys', 'new', '--out', keyFile]).trim();
    const accountId = uuidv7();
    const partyId = ids.parties[spec.party];
    submitAs(operator, {
      type: 'register_account', account_id: accountId, party_id: partyId, name: `${handle} account`,
      roles: spec.roles, public_key: publicKey,
    });
    accounts[handle] = { account_id: accountId, party_id: partyId, roles: spec.roles, key: keyFile, cliPublicKey: publicKey };
  }
  const signerOf = (handle) => ({ key: accounts[handle].key, author: accounts[handle].account_id, party: accounts[handle].party_id });
  const enrolment = (handle) => {
    const account = accounts[handle];
    const out = run([
      'account', 'enrolment', '--server', base, '--key', account.key, '--author', account.account_id,
      '--party', account.party_id, '--account', account.account_id,
    ]);
    const match = /enrolment code: ([0-9a-f]{32})/.exec(out);
    if (!match) throw new Error(`no enrolment code in: ${out}`);
    return match[1];
  };
  return {
    base,
    dir,
    data,
    ids,
    accounts,
    operator,
    enrolment,
    /** Signs `body` with the CLI key of `handle` ('operator' for the operator) and submits it. */
    submit: (handle, body) => submitAs(handle === 'operator' ? operator : signerOf(handle), body),
    /** Revokes `publicKey` from `handle`'s account, signed with the account's CLI key. */
    revokeKey: (handle, publicKey) => {
      const account = accounts[handle];
      run([
        'account', 'revoke-key', '--server', base, '--key', account.key, '--author', account.account_id,
        '--party', account.party_id, '--account', account.account_id, '--public-key', publicKey,
      ]);
    },
    /** Sets the password of `handle`'s account (signed with its CLI key), for signing in. */
    setPassword: (handle, password) => {
      run(['account', 'password', '--server', base, '--key', accounts[handle].key, '--account', accounts[handle].account_id], {
        env: { ...process.env, TRUCE_PASSWORD: password },
      });
    },
    /** The session object the page would read for `handle` (`GET /api/v1/session`). */
    session: (handle) => ({ account_id: accounts[handle].account_id, party_id: accounts[handle].party_id, roles: accounts[handle].roles }),
    serverLog: () => serverLog,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      if (!process.env.TRUCE_KEEP_DATA && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
