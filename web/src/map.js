// @ts-check
/**
 * The map: Leaflet on a canvas renderer, over the basemap bundled with the page (land,
 * water, borders and place names, `./basemap.js`) and, when the server was given one, a tile URL.
 * Corridors are drawn at their width and styled by status with a colour AND a dash pattern
 * AND a text label, so no-one has to tell colours apart; incidents are clustered with
 * supercluster (thousands of points stay smooth: only the clusters in view are drawn).
 *
 * Coordinates: GeoJSON positions are `[lon, lat]`; Leaflet's are `(lat, lon)`; `toLatLng`
 * and `toPosition` are the only places that swap them.
 */
import L from 'leaflet';
import Supercluster from 'supercluster';
import { t, localName, formatTime, formatNumber } from './i18n.js';
import { h } from './dom.js';
import { Basemap } from './basemap.js';

/** @param {number[]} position `[lon, lat]` @returns {L.LatLngTuple} */
export function toLatLng(position) {
  return [position[1], position[0]];
}
/** @param {L.LatLng} latlng @returns {[number, number]} `[lon, lat]` */
export function toPosition(latlng) {
  return [Number(latlng.lng.toFixed(6)), Number(latlng.lat.toFixed(6))];
}

/** Status of a corridor: colour, dash pattern and the message key of its word. */
export const CORRIDOR_STYLES = {
  open: { color: '#1a7f37', dash: null, key: 'status.open' },
  agreed: { color: '#0b5cad', dash: '12 6', key: 'status.agreed' },
  proposed: { color: '#7a4fb0', dash: '2 8', key: 'status.proposed' },
  closed: { color: '#4d4d4d', dash: '4 4 12 4', key: 'status.closed' },
  suspended: { color: '#b3261e', dash: '14 4 2 4', key: 'status.suspended' },
};

/** @param {string} status */
export function corridorStyle(status) {
  return CORRIDOR_STYLES[/** @type {keyof typeof CORRIDOR_STYLES} */ (status)] || CORRIDOR_STYLES.closed;
}

/** Incident colours by grade (the grade is also in each marker's text). */
const GRADE_COLORS = {
  verified: '#8c1d18',
  corroborated: '#d1461f',
  single_source: '#9a6700',
  contested: '#6b4fa0',
  discounted: '#6e6e6e',
  unverified: '#6e6e6e',
};

export class TruceMap {
  /** @param {HTMLElement} container @param {{tileUrl?: string|null, onSelect?: (kind: string, id: string) => void}} options */
  constructor(container, options) {
    this.onSelect = options.onSelect || (() => {});
    // Leaflet positions its panes from the left: inside a right-to-left page the map keeps
    // dir="ltr" (the geography does not mirror; its labels still read right to left).
    container.setAttribute('dir', 'ltr');
    this.renderer = L.canvas({ padding: 0.3 });
    this.map = L.map(container, {
      center: [36.2, 37.15],
      zoom: 12,
      preferCanvas: true,
      renderer: this.renderer,
      keyboard: true,
      attributionControl: true,
      zoomControl: false,
    });
    L.control.zoom({ zoomInTitle: t('map.zoom_in'), zoomOutTitle: t('map.zoom_out') }).addTo(this.map);
    // The basemap has a canvas of its own in a pane below the records: drawn last (it is
    // loaded after them), it would otherwise paint over them.
    this.map.createPane('basemap').style.zIndex = '250';
    this.basemapRenderer = L.canvas({ pane: 'basemap', padding: 0.3 });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(t('map.attribution'));
    this.map.attributionControl.getContainer()?.setAttribute('dir', document.documentElement.dir);
    if (options.tileUrl) L.tileLayer(options.tileUrl, { maxZoom: 18 }).addTo(this.map);
    this.layers = {
      zones: L.layerGroup().addTo(this.map),
      corridors: L.layerGroup().addTo(this.map),
      incidents: L.layerGroup().addTo(this.map),
      violations: L.layerGroup().addTo(this.map),
      notifications: L.layerGroup().addTo(this.map),
      drawing: L.layerGroup().addTo(this.map),
    };
    /** @type {any[]} */
    this.corridorFeatures = [];
    this.cluster = new Supercluster({ radius: 64, maxZoom: 15 });
    this.clusterLoaded = false;
    this.map.on('moveend', () => this.drawClusters());
    this.map.on('zoomend', () => this.drawCorridors());
    this.map.getContainer().setAttribute('aria-label', t('map.label'));
    this.addLegend();
    this.withLand = !options.tileUrl;
    // The layout may settle after the map is made (fonts, a phone's column): measure again.
    requestAnimationFrame(() => this.map.invalidateSize());
  }

  /** Draws the bundled basemap (./basemap.js); called once the records show, so that it never delays them. */
  async loadBasemap() {
    if (this.basemapLoaded) return;
    this.basemapLoaded = true;
    await new Basemap(this.map, this.basemapRenderer, this.withLand).load();
  }

  addLegend() {
    const Legend = L.Control.extend({
      onAdd: () => {
        const items = Object.entries(CORRIDOR_STYLES).map(([status, style]) =>
          h('li', {}, h('span', { class: `swatch swatch-${status}`, 'aria-hidden': 'true' }), t(style.key)),
        );
        // Folded on a phone, where it would cover the map; a tap opens it.
        const open = !window.matchMedia('(max-width: 700px)').matches;
        const legend = h('details', { class: 'legend', open }, h('summary', {}, t('map.legend')), h('ul', {}, items),
          h('p', {}, h('span', { class: 'swatch-incident', 'aria-hidden': 'true' }), t('map.legend_incident')),
          h('p', {}, h('span', { class: 'swatch-violation', 'aria-hidden': 'true' }), t('map.legend_violation')));
        L.DomEvent.disableClickPropagation(legend);
        return legend;
      },
    });
    new Legend({ position: 'topright' }).addTo(this.map);
  }

  /** @param {any} geojson corridors FeatureCollection at the chosen instant */
  setCorridors(geojson) {
    this.corridorFeatures = geojson.features || [];
    this.drawCorridors();
  }

  drawCorridors() {
    const layer = this.layers.corridors;
    layer.clearLayers();
    const zoom = this.map.getZoom();
    for (const feature of this.corridorFeatures) {
      const props = feature.properties;
      const style = corridorStyle(props.status);
      const latlngs = feature.geometry.coordinates.map(toLatLng);
      const lat = latlngs[0]?.[0] ?? 36;
      const metresPerPixel = (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (zoom + 8);
      const weight = Math.max(4, Math.min(60, (2 * props.half_width_m) / metresPerPixel));
      const label = `${props.code} · ${t(style.key)}`;
      L.polyline(latlngs, { color: '#ffffff', weight: weight + 4, opacity: 0.9, renderer: this.renderer, interactive: false }).addTo(layer);
      // Dashes scale with the line's width, with square ends, so the pattern stays visible
      // on a wide corridor.
      const scale = Math.max(1, weight / 5);
      const dashArray = style.dash ? style.dash.split(' ').map((n) => Number(n) * scale).join(' ') : undefined;
      const line = L.polyline(latlngs, {
        color: style.color,
        weight,
        opacity: 0.9,
        dashArray,
        lineCap: 'butt',
        renderer: this.renderer,
      }).addTo(layer);
      line.bindTooltip(label, { permanent: true, direction: 'center', className: `corridor-label corridor-label-${props.status}` });
      line.on('click', () => this.onSelect('corridors', props.corridor_id));
    }
  }

  /** @param {any} geojson zones FeatureCollection @param {Map<string, any>} parties @param {Map<string, number>} trapped */
  setZones(geojson, parties, trapped) {
    const layer = this.layers.zones;
    layer.clearLayers();
    L.geoJSON(geojson, {
      renderer: this.renderer,
      style: (feature) => ({
        color: feature?.properties.kind === 'besieged_area' ? '#8c2f39' : '#5a6b7b',
        weight: 2,
        fillOpacity: 0.08,
      }),
      onEachFeature: (feature, zoneLayer) => {
        const props = feature.properties;
        const controller = parties.get(props.controlled_by);
        const people = trapped.get(props.zone_id);
        const lines = [`${props.code} — ${localName(props)}`];
        lines.push(`${t('zone.controlled_by')}: ${controller ? localName(controller) : t('common.unknown')}`);
        if (people !== undefined) lines.push(`${t('zone.trapped')}: ${formatNumber(people)}`);
        zoneLayer.bindTooltip(lines.join('\n'), { sticky: true, className: 'zone-tip' });
        zoneLayer.on('click', () => this.onSelect('zones', props.zone_id));
      },
    }).addTo(layer);
  }

  /** @param {any[]} incidents */
  setIncidents(incidents) {
    const points = [];
    for (const incident of incidents) {
      const position = incident.location?.position;
      if (!position) continue;
      points.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: position },
        properties: { id: incident.incident_id, kind: incident.kind, grade: incident.grade?.grade || 'unverified' },
      });
    }
    this.cluster.load(points);
    this.clusterLoaded = true;
    this.drawClusters();
  }

  drawClusters() {
    if (!this.clusterLoaded) return;
    const layer = this.layers.incidents;
    layer.clearLayers();
    const bounds = this.map.getBounds();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
    const zoom = Math.round(this.map.getZoom());
    for (const feature of this.cluster.getClusters(bbox, zoom)) {
      const latlng = toLatLng(feature.geometry.coordinates);
      const props = feature.properties;
      if (props.cluster) {
        const count = props.point_count;
        const marker = L.circleMarker(latlng, {
          radius: 8 + Math.min(14, Math.log2(count) * 1.5),
          color: '#5c2d00',
          weight: 2,
          fillColor: '#f2b36b',
          fillOpacity: 0.9,
          renderer: this.renderer,
        }).addTo(layer);
        marker.bindTooltip(t('map.cluster', { count }), { className: 'cluster-tip' });
        marker.on('click', () => {
          const expand = this.cluster.getClusterExpansionZoom(props.cluster_id);
          this.map.setView(latlng, Math.min(expand, 18));
        });
      } else {
        const marker = L.circleMarker(latlng, {
          radius: 7,
          color: '#ffffff',
          weight: 2,
          fillColor: GRADE_COLORS[/** @type {keyof typeof GRADE_COLORS} */ (props.grade)] || GRADE_COLORS.unverified,
          fillOpacity: 1,
          renderer: this.renderer,
        }).addTo(layer);
        marker.bindTooltip(`${t(`kind.${props.kind}`)} · ${t(`grade.${props.grade}`)}`);
        marker.on('click', () => this.onSelect('incidents', props.id));
      }
    }
  }

  /** @param {any[]} violations @param {Map<string, any>} incidentsById */
  setViolations(violations, incidentsById) {
    const layer = this.layers.violations;
    layer.clearLayers();
    for (const violation of violations) {
      const incident = incidentsById.get(violation.incident_id);
      const position = incident?.location?.position;
      if (!position) continue;
      const ring = L.circleMarker(toLatLng(position), {
        radius: 14,
        color: '#b3261e',
        weight: 3,
        dashArray: '3 3',
        fill: false,
        renderer: this.renderer,
      }).addTo(layer);
      ring.bindTooltip(`${t('violation.title')} · ${t(`violation_status.${violation.status}`)}`);
      ring.on('click', () => this.onSelect('incidents', violation.incident_id));
    }
  }

  /**
   * Humanitarian sites (a position and radius) and movements (a route and width) the viewer
   * may see (`GET /api/v1/notifications` answers each party with its own).
   * @param {any[]} notifications
   */
  setNotifications(notifications) {
    const layer = this.layers.notifications;
    layer.clearLayers();
    for (const notification of notifications) {
      const notified = notification.notified || {};
      const label = `${t('notification.title')} · ${t(`notification_kind.${notified.kind}`)}${notified.name ? ` · ${notified.name}` : ''}`;
      let shape = null;
      if (notified.kind === 'site' && notified.position) {
        shape = L.circle(toLatLng(notified.position), { radius: notified.radius_m || 100, color: '#005f73', weight: 3, fillColor: '#94d2bd', fillOpacity: 0.35, renderer: this.renderer });
      } else if (notified.kind === 'movement' && notified.route?.coordinates) {
        shape = L.polyline(notified.route.coordinates.map(toLatLng), { color: '#005f73', weight: 5, dashArray: '1 8', lineCap: 'round', renderer: this.renderer });
      }
      if (!shape) continue;
      shape.bindTooltip(label).addTo(layer);
    }
  }

  /** @param {[number, number][]} positions `[lon, lat]` */
  fitTo(positions) {
    if (!positions.length) return;
    this.map.fitBounds(L.latLngBounds(positions.map(toLatLng)).pad(0.2), { maxZoom: 13 });
  }

  /** The adapter the forms use (web/src/forms): picks and draws in `[lon, lat]`. */
  adapter() {
    const map = this.map;
    const drawing = this.layers.drawing;
    /** @param {boolean} closed @returns {Promise<[number, number][]>} */
    const collect = (closed) =>
      new Promise((resolve) => {
        /** @type {L.LatLng[]} */
        const points = [];
        const shape = (closed ? L.polygon([], { color: '#0b5cad' }) : L.polyline([], { color: '#0b5cad' })).addTo(drawing);
        map.doubleClickZoom.disable();
        /** @param {L.LeafletMouseEvent} event */
        const onClick = (event) => {
          points.push(event.latlng);
          shape.setLatLngs(points);
        };
        const finish = () => {
          map.off('click', onClick);
          map.off('dblclick', finish);
          map.getContainer().removeEventListener('keydown', onKey);
          map.doubleClickZoom.enable();
          const positions = points.map(toPosition);
          if (closed && positions.length) positions.push(positions[0]);
          resolve(positions);
        };
        /** @param {KeyboardEvent} event */
        const onKey = (event) => {
          if (event.key === 'Enter') finish();
        };
        map.on('click', onClick);
        map.on('dblclick', finish);
        map.getContainer().addEventListener('keydown', onKey);
      });
    return {
      /** @returns {Promise<[number, number]>} */
      pickPoint: () =>
        new Promise((resolve) => {
          map.once('click', (event) => {
            L.circleMarker(event.latlng, { radius: 6, color: '#0b5cad' }).addTo(drawing);
            resolve(toPosition(event.latlng));
          });
        }),
      drawLine: () => collect(false),
      drawPolygon: async () => [await collect(true)],
      /** @param {any} geojson */
      show: (geojson) => {
        drawing.clearLayers();
        L.geoJSON(geojson, { style: { color: '#0b5cad', weight: 3 } }).addTo(drawing);
      },
    };
  }

  invalidate() {
    this.map.invalidateSize();
  }
}

export { formatTime };

/**
 * A map adapter for pages without a map (an agreement, an incident): the first pick or
 * drawing opens a small map in `host` and uses it.
 * @param {HTMLElement} host @param {any} app
 */
export function lazyMapAdapter(host, app) {
  /** @type {ReturnType<TruceMap['adapter']>|null} */
  let adapter = null;
  const ready = () => {
    if (adapter) return adapter;
    const box = h('div', { class: 'map map-small', tabindex: '0' });
    host.append(box);
    const map = new TruceMap(box, { tileUrl: app.config.tile_url });
    map.loadBasemap();
    adapter = map.adapter();
    return adapter;
  };
  return {
    pickPoint: () => ready().pickPoint(),
    drawLine: () => ready().drawLine(),
    drawPolygon: () => ready().drawPolygon(),
    /** @param {any} geojson */
    show: (geojson) => ready().show(geojson),
  };
}
