// Builds web/dist/ from web/src/: the bundle (esbuild, names hashed by content), index.html
// pointing at it, the service worker with the list of files it keeps, and the offline
// basemap cut from Natural Earth (world-atlas: land at 1:110m for the world, land and
// borders at 1:10m for the Levant and its neighbours). The output depends only on the
// sources and the locked packages: `.ci/run` rebuilds it and checks `git diff` is empty.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature, merge, mesh } from 'topojson-client';

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

// The basemap. Levant: the box of Syria, Lebanon, Israel and Palestine, Jordan, Cyprus and
// the edges of Turkey and Iraq; coordinates to 1e-3 degree (about 100 m), plenty for a basemap.
const REGION = { west: 32, south: 29, east: 43, north: 38.5 };
const round = (geometry) => JSON.parse(JSON.stringify(geometry, (key, value) => (typeof value === 'number' ? Math.round(value * 1e3) / 1e3 : value)));
const readTopology = (name) => JSON.parse(readFileSync(join(here, 'node_modules/world-atlas', name), 'utf8'));
const world = readTopology('land-110m.json');
const detailed = readTopology('countries-10m.json');
const inRegion = (geometry) => {
  const coordinates = JSON.stringify(feature(detailed, geometry).geometry?.coordinates || []).match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g) || [];
  return coordinates.some((pair) => {
    const [lon, lat] = pair.split(',').map(Number);
    return lon >= REGION.west && lon <= REGION.east && lat >= REGION.south && lat <= REGION.north;
  });
};
const regional = detailed.objects.countries.geometries.filter(inRegion);
const land = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { scale: '110m' }, geometry: round(feature(world, world.objects.land).features?.[0]?.geometry ?? feature(world, world.objects.land).geometry) },
    { type: 'Feature', properties: { scale: '10m' }, geometry: round(merge(detailed, regional)) },
  ],
};
const regionalIds = new Set(regional);
const borders = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { scale: '10m' }, geometry: round(mesh(detailed, detailed.objects.countries, (a, b) => a !== b && (regionalIds.has(a) || regionalIds.has(b)))) }],
};
writeFileSync(join(dist, 'basemap/land.json'), JSON.stringify(land));
writeFileSync(join(dist, 'basemap/borders.json'), JSON.stringify(borders));
writeFileSync(join(dist, 'basemap/ATTRIBUTION.txt'),
  'Made with Natural Earth: free vector and raster map data @ naturalearthdata.com (public domain),\n' +
  'through the world-atlas package (ISC licence).\n');

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
