// The browser tests' harness: a real `truce demo` on a fresh data directory and a free port
// of 127.0.0.1, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(repo, 'target', 'screenshots');
const CHROMIUM = process.env.TRUCE_CHROMIUM || '/usr/bin/chromium';
const STARTUP_MS_MAX = 120_000;

/** The `truce` binary of the workspace: `TRUCE_BIN`, else the debug build in the target dir. */
export function truceBinary() {
  const candidates = [
    process.env.TRUCE_BIN,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug', 'truce'),
    join(repo, 'target', 'debug', 'truce'),
  ].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`no truce binary among ${candidates.join(', ')}: run cargo build first`);
  return found;
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `truce demo`; resolves once it serves and has written its sign-ins. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'truce-web-test-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const binary = truceBinary();
  // The server's output goes to a file, not a pipe: while `cli` runs (synchronously) nothing
  // would drain a pipe, and a server whose log pipe is full waits.
  const logPath = join(dir, 'demo.log');
  const log = openSync(logPath, 'w');
  const child = spawn(binary, ['demo', '--data', data, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', log, log] });
  closeSync(log);
  const output = () => readFileSync(logPath, 'utf8');
  const signInsPath = join(data, 'demo-signins.json');
  const started = Date.now();
  while (!existsSync(signInsPath) || !readFileSync(signInsPath, 'utf8').trim().endsWith(']')) {
    if (child.exitCode !== null) throw new Error(`truce demo exited ${child.exitCode} (its files are in ${dir}):\n${output()}`);
    if (Date.now() - started > STARTUP_MS_MAX) {
      child.kill('SIGINT');
      throw new Error(`truce demo did not start (its files are in ${dir}):\n${output()}`);
    }
    await sleep(100);
  }
  const signIns = JSON.parse(readFileSync(signInsPath, 'utf8'));
  const base = `http://127.0.0.1:${port}`;
  return {
    base, data, dir, binary, signIns,
    /** Runs the CLI against this server. @param {string[]} args */
    cli: (args) => execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 }),
    stop: async () => {
      child.kill('SIGINT');
      for (let i = 0; i < 50 && child.exitCode === null; i += 1) await sleep(100);
      if (child.exitCode === null) child.kill('SIGKILL');
      // A run leaves nothing behind in the temporary directory; a failed start (above) keeps
      // its files, and says where.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/**
 * A page that records console errors and uncaught exceptions in `errors`.
 * @param {import('playwright-core').Browser} browser @param {{width: number, height: number}} viewport
 */
export async function openPage(browser, viewport, locale = 'en-GB') {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`${message.text()} @ ${message.location().url}`); });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, errors };
}
