// The browser tests' web server on 127.0.0.1: the files of `web/` as they are (ES modules,
// no build), and `/api/` proxied to a truce server, so that the page and the API share an
// origin as they will once the page is embedded. It sends the CSP the truce server sends
// (no inline script, no inline style) so a form that needs either fails here too.
// Exports only; no test of its own.

import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'";

/**
 * Serves `web/` and proxies `/api/` to `apiBase`; resolves with `{base, close}`.
 * @param {string} apiBase `http://127.0.0.1:PORT` of the truce server
 */
export function startHarness(apiBase) {
  const api = new URL(apiBase);
  const server = createServer(async (req, res) => {
    if (req.url.startsWith('/api/')) {
      const upstream = request(
        { host: api.hostname, port: api.port, path: req.url, method: req.method, headers: { ...req.headers, host: api.host } },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
      return;
    }
    const path = req.url === '/' ? '/test/forms/harness/index.html' : decodeURIComponent(req.url.split('?')[0]);
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT) || file.includes('node_modules')) {
      res.writeHead(404);
      res.end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
