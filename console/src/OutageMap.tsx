import { useEffect, useRef } from 'react';
import L from 'leaflet';
import countries from './generated/countries.json';
import type { ImpactedSite } from './api';

export interface MapArea {
  id: string;
  label: string;
  area: { type: string; coordinates: unknown[]; radius?: number } | undefined;
}

/** Battery against the ETR: red runs out before power returns, amber within the hour after it, green beyond. */
export function siteColour(s: ImpactedSite, etr: string | undefined): { colour: string; label: string } {
  if (s.exhaustsBeforeEtr) return { colour: '#c0392b', label: 'runs out before ETR' };
  if (s.backupAutonomyMinutes == null || !s.exhaustionTime) return { colour: '#6c757d', label: 'battery unknown / generator' };
  if (etr && new Date(s.exhaustionTime).getTime() - new Date(etr).getTime() < 3_600_000)
    return { colour: '#d68910', label: 'under 1 h margin' };
  return { colour: '#1e8449', label: 'covers the ETR' };
}

const tileUrl = () => document.querySelector<HTMLMetaElement>('meta[name="gridlink-tile-url"]')?.content;
const tileAttribution = () => document.querySelector<HTMLMetaElement>('meta[name="gridlink-tile-attribution"]')?.content ?? '';

function toLayer(a: MapArea): L.Layer | undefined {
  if (!a.area) return undefined;
  const style = { color: '#1f4e79', weight: 2, fillOpacity: 0.2 };
  if (a.area.type === 'Point') {
    const [lon, lat] = a.area.coordinates as [number, number];
    return L.circle([lat, lon], { radius: a.area.radius ?? 1000, ...style });
  }
  return L.geoJSON({ type: 'Feature', properties: {}, geometry: a.area } as GeoJSON.Feature, { style: () => style });
}

/**
 * Leaflet map: the bundled country outlines as the base layer (no tiles from the internet),
 * or the tile URL the operator configured (GRIDLINK_CONSOLE_TILE_URL); outage areas as
 * polygons; impacted sites as circles coloured by battery vs ETR. With `onPick`, clicks add
 * vertices (drawing an area).
 */
export function OutageMap(props: {
  areas: MapArea[];
  sites?: ImpactedSite[];
  etr?: string | undefined;
  draft?: [number, number][];
  onPick?: (lonLat: [number, number]) => void;
  onSelect?: (id: string) => void;
  label: string;
  /** Closest zoom when fitting the shown areas (lower keeps the surroundings in view). */
  maxZoom?: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map>(undefined);
  const overlay = useRef<L.FeatureGroup>(undefined);
  const pick = useRef(props.onPick);
  pick.current = props.onPick;
  const select = useRef(props.onSelect);
  select.current = props.onSelect;

  useEffect(() => {
    if (!el.current) return;
    // No zoom/fade animations: a page that re-renders or unmounts the map mid-animation made
    // Leaflet read positions of removed layers (_leaflet_pos of undefined).
    const m = L.map(el.current, {
      center: [51, 10],
      zoom: 5,
      attributionControl: true,
      keyboard: true,
      zoomAnimation: false,
      fadeAnimation: false,
      markerZoomAnimation: false,
    });
    const url = tileUrl();
    if (url) L.tileLayer(url, { attribution: tileAttribution(), maxZoom: 18 }).addTo(m);
    else
      L.geoJSON(countries as GeoJSON.FeatureCollection, {
        style: () => ({ color: '#7d8f80', weight: 1, fillColor: '#eef0e6', fillOpacity: 1 }),
        interactive: false,
      }).addTo(m);
    L.control.scale({ imperial: false }).addTo(m);
    overlay.current = L.featureGroup().addTo(m);
    m.on('click', (e: L.LeafletMouseEvent) => pick.current?.([Math.round(e.latlng.lng * 1e5) / 1e5, Math.round(e.latlng.lat * 1e5) / 1e5]));
    map.current = m;
    return () => {
      m.off();
      m.remove();
      map.current = undefined;
    };
  }, []);

  const key = JSON.stringify([props.areas, props.sites, props.etr, props.draft]);
  useEffect(() => {
    const m = map.current;
    const g = overlay.current;
    if (!m || !g) return;
    g.clearLayers();
    for (const a of props.areas) {
      const layer = toLayer(a);
      if (!layer) continue;
      layer.bindTooltip(a.label);
      layer.on('click', () => select.current?.(a.id));
      g.addLayer(layer);
    }
    for (const s of props.sites ?? []) {
      const loc = s.location as unknown as { coordinates?: [number, number] } | undefined;
      if (!loc?.coordinates) continue;
      const c = siteColour(s, props.etr);
      L.circleMarker([loc.coordinates[1], loc.coordinates[0]], { radius: 8, color: '#fff', weight: 2, fillColor: c.colour, fillOpacity: 1 })
        .bindTooltip(`${s.siteId}${s.name ? ` ${s.name}` : ''}: ${s.backupAutonomyMinutes ?? '?'} min battery — ${c.label}`)
        .addTo(g);
    }
    if (props.draft?.length) {
      const pts = props.draft.map(([lon, lat]) => L.latLng(lat, lon));
      g.addLayer(pts.length > 2 ? L.polygon(pts, { color: '#8e44ad', dashArray: '4' }) : L.polyline(pts, { color: '#8e44ad' }));
      for (const p of pts) g.addLayer(L.circleMarker(p, { radius: 4, color: '#8e44ad' }));
    }
    const b = g.getBounds();
    if (b.isValid() && !props.onPick) m.fitBounds(b.pad(0.3), { maxZoom: props.maxZoom ?? 11, animate: false });
  }, [key]);

  return <div ref={el} className="map" role="region" aria-label={props.label} />;
}
