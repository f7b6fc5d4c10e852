// Builds web/dist/ from web/src/: the bundle (esbuild, names hashed by content), index.html
// pointing at it, the service worker with the list of files it keeps, and the offline
// basemap (basemap.mjs: land, borders, water and places). The output depends only on the
// sources and the locked packages: `.ci/run` rebuilds it and checks `git diff` is empty.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBasemap } from './basemap.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
mkdirSync(join(dist, 'basemap'), { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.png': 'file', '.json': 'json' },
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((path) => path.slice(path.indexOf('dist/') + 5));
const js = outputs.find((path) => path.endsWith('.js'));
const css = outputs.find((path) => path.endsWith('.css'));
const html = readFileSync(join(here, 'src/index.html'), 'utf8').replace('{{js}}', `/${js}`).replace('{{css}}', `/${css}`);
writeFileSync(join(dist, 'index.html'), html);

// The basemap (web/basemap.mjs): land, borders, water and places, cut to the region.
buildBasemap(here, dist);

// The service worker, with every file of the shell and a version from their contents.
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else files.push(path.slice(dist.length));
  }
};
walk(dist);
const hash = createHash('sha256');
for (const file of files) hash.update(file).update(readFileSync(join(dist, file)));
const shell = ['/', ...files.filter((file) => !file.endsWith('.txt'))];
const sw = readFileSync(join(here, 'src/sw.js'), 'utf8')
  .replace('{{version}}', hash.digest('hex').slice(0, 16))
  .replace('{{shell}}', JSON.stringify(shell));
writeFileSync(join(dist, 'sw.js'), sw);
console.log(`built ${files.length + 1} files into web/dist`);
