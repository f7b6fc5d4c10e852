// @ts-check
/**
 * The bundled basemap (web/basemap.mjs cuts it at build time into `/basemap/*.json`): land,
 * water and borders on a canvas of their own, below every record; place names as text in a
 * pane between that canvas and the records. Calm on purpose: pale land, a blue that is not
 * any corridor status's colour, grey dashed borders, dark grey names with a light halo, so
 * nothing here competes with a corridor's status.
 */
import L from 'leaflet';
import { h } from './dom.js';

/** Colours of the basemap (also read by the browser test, which looks for water's pixels). */
export const BASEMAP_COLORS = {
  sea: '#cadfec',
  water: '#a9cbe2',
  land: '#efeadf',
  border: '#8a7f6e',
};

/** The highest place rank (web/basemap.mjs: 0 capital, 1 a million, ... 5 a thousand) labelled at a zoom. */
export function placeRankMax(zoom) {
  if (zoom <= 4) return 0;
  if (zoom <= 6) return 1;
  if (zoom <= 7) return 2;
  if (zoom <= 9) return 3;
  if (zoom <= 10) return 4;
  return 5;
}

const LABEL_HEIGHT_PX = 16;
const DOT_PX = 6;

/**
 * Picks the labels to show: in the file's order (largest first), those of a rank shown at
 * `zoom`, inside `size`, whose box overlaps no label already picked. Leaflet has no label
 * placement of its own; this greedy pass is the usual one and small enough to keep here.
 * @param {{name: string, rank: number, x: number, y: number}[]} candidates container pixels
 * @param {number} zoom @param {{x: number, y: number}} size @param {(text: string, major: boolean) => number} measure
 */
export function placeLabels(candidates, zoom, size, measure) {
  const rankMax = placeRankMax(zoom);
  /** @type {{x0: number, y0: number, x1: number, y1: number}[]} */
  const boxes = [];
  const picked = [];
  for (const candidate of candidates) {
    if (candidate.rank > rankMax) continue;
    const width = measure(candidate.name, candidate.rank <= 1);
    const box = { x0: candidate.x - DOT_PX, y0: candidate.y - LABEL_HEIGHT_PX / 2, x1: candidate.x + DOT_PX + width + 4, y1: candidate.y + LABEL_HEIGHT_PX / 2 };
    if (box.x1 < 0 || box.y1 < 0 || box.x0 > size.x || box.y0 > size.y) continue;
    if (boxes.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) continue;
    boxes.push(box);
    picked.push(candidate);
  }
  return picked;
}

export class Basemap {
  /** @param {L.Map} map @param {L.Renderer} renderer in a pane below the records @param {boolean} withLand */
  constructor(map, renderer, withLand) {
    this.map = map;
    this.renderer = renderer;
    this.withLand = withLand;
    this.shapes = L.layerGroup().addTo(map);
    map.createPane('places').style.zIndex = '350';
    this.labels = L.layerGroup().addTo(map);
    /** @type {[number, number, string, number][]} */
    this.places = [];
    const canvas = document.createElement('canvas');
    this.context = canvas.getContext('2d');
    // The sea is the background the land is drawn on; a tile layer brings its own.
    if (withLand) map.getContainer().classList.add('with-basemap');
    map.on('moveend', () => this.drawLabels());
  }

  /** Loads and draws land, water, borders, then the place names; a file that fails is left out. */
  async load() {
    const style = {
      land: { color: BASEMAP_COLORS.land, weight: 0, fillColor: BASEMAP_COLORS.land, fillOpacity: 1 },
      // A stroke of the fill's colour keeps a narrow river visible when zoomed out.
      water: { color: BASEMAP_COLORS.water, weight: 1.5, fillColor: BASEMAP_COLORS.water, fillOpacity: 1 },
      borders: { color: BASEMAP_COLORS.border, weight: 1, dashArray: '4 3', fill: false },
    };
    for (const name of this.withLand ? ['land', 'water', 'borders'] : ['borders']) {
      const geojson = await fetchJson(`/basemap/${name}.json`);
      if (!geojson) continue;
      L.geoJSON(geojson, { style: style[/** @type {keyof typeof style} */ (name)], renderer: this.renderer, interactive: false }).addTo(this.shapes);
    }
    const places = await fetchJson('/basemap/places.json');
    this.places = places?.places || [];
    this.drawLabels();
  }

  drawLabels() {
    if (!this.places.length) return;
    const map = this.map;
    const zoom = map.getZoom();
    const size = map.getSize();
    const candidates = this.places.map(([lon, lat, name, rank]) => {
      const point = map.latLngToContainerPoint([lat, lon]);
      return { name, rank, lat, lon, x: point.x, y: point.y };
    });
    const measure = (/** @type {string} */ text, /** @type {boolean} */ major) => {
      if (!this.context) return text.length * 7;
      this.context.font = this.labelFont(major);
      return this.context.measureText(text).width;
    };
    this.labels.clearLayers();
    for (const place of placeLabels(candidates, zoom, size, measure)) {
      // The name as text, never as HTML.
      const html = h('span', {}, h('span', { class: 'place-dot' }), h('span', { class: 'place-name' }, place.name));
      const icon = L.divIcon({ className: `place-label place-rank-${place.rank}`, html, iconSize: [0, 0], iconAnchor: [0, 0] });
      L.marker([place.lat, place.lon], { icon, pane: 'places', interactive: false, keyboard: false }).addTo(this.labels);
    }
  }

  /** The font of a label as the stylesheet sets it (basemap.css), read once, to measure names. @param {boolean} major */
  labelFont(major) {
    this.fonts ??= new Map();
    if (!this.fonts.has(major)) {
      const probe = h('span', { class: `place-label place-rank-${major ? 1 : 5}` }, h('span', { class: 'place-name' }, 'x'));
      this.map.getPane('places')?.append(probe);
      const name = /** @type {HTMLElement} */ (probe.firstChild);
      this.fonts.set(major, getComputedStyle(name).font);
      probe.remove();
    }
    return this.fonts.get(major);
  }
}

/** @param {string} url */
async function fetchJson(url) {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : null;
  } catch {
    // The basemap is decoration: the records still show without it.
    return null;
  }
}
