import { useState, type FormEvent } from 'react';
import { must, outages } from '../api';
import { useMe } from '../me';
import { OutageMap } from '../OutageMap';
import { navigate } from '../router';
import { ErrorBox, Field } from '../ui';

const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

/** Checks a pasted area the way the API reads it: GeoJSON Polygon, MultiPolygon or a circle. */
export function parseArea(text: string): { area?: { type: string; coordinates: unknown[]; radius?: number }; error?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'Not valid JSON.' };
  }
  const g = (v && typeof v === 'object' && (v as { type?: string }).type === 'Feature' ? (v as { geometry: unknown }).geometry : v) as {
    type?: string;
    coordinates?: unknown;
    radius?: number;
  };
  if (!g || !['Polygon', 'MultiPolygon', 'Point'].includes(g.type ?? ''))
    return { error: 'Give a GeoJSON Polygon, MultiPolygon, or Point with radius.' };
  if (!Array.isArray(g.coordinates)) return { error: 'coordinates is missing.' };
  if (g.type === 'Point' && !(typeof g.radius === 'number' && g.radius > 0)) return { error: 'A Point area needs "radius" in metres.' };
  return { area: { type: g.type!, coordinates: g.coordinates, ...(g.radius ? { radius: g.radius } : {}) } };
}

export function OutagePublish() {
  const me = useMe();
  const now = new Date();
  const [f, setF] = useState<Record<string, string>>({
    outageKind: 'unplanned',
    causeKind: 'weather',
    start: local(now),
    etr: local(new Date(now.getTime() + 2 * 3600_000)),
    etrConfidence: 'low',
  });
  const [mode, setMode] = useState<'draw' | 'paste'>('draw');
  const [points, setPoints] = useState<[number, number][]>([]);
  const [paste, setPaste] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const upd = (k: string) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));

  const area = (): { type: string; coordinates: unknown[]; radius?: number } | undefined => {
    if (mode === 'paste') {
      const p = parseArea(paste);
      if (p.error) throw new Error(`Area: ${p.error}`);
      return p.area;
    }
    if (points.length < 3) return undefined;
    return { type: 'Polygon', coordinates: [[...points, points[0]!]] };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const a = area();
      const supply = (f.supply ?? '')
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      if (!a && supply.length === 0)
        throw new Error('Give the outage area (draw at least three points, or paste GeoJSON) or energy supply ids.');
      if (f.etr && f.start && new Date(f.etr) <= new Date(f.start)) throw new Error('The ETR must be after the start.');
      setBusy(true);
      const body = {
        outageKind: f.outageKind,
        ...(f.name?.trim() ? { name: f.name.trim() } : {}),
        ...(f.cause?.trim() ? { cause: f.cause.trim() } : {}),
        ...(f.causeKind ? { causeKind: f.causeKind } : {}),
        ...(f.start ? { outageStartTime: new Date(f.start).toISOString() } : {}),
        ...(f.etr ? { expectedOutageEndTime: new Date(f.etr).toISOString(), etrConfidence: f.etrConfidence } : {}),
        ...(f.rit ? { dsoRapidInterventionTime: new Date(f.rit).toISOString(), dsoRapidInterventionDuration: Number(f.rid || 5) } : {}),
        affectedArea: { ...(a ? { outageArea: a } : {}), ...(supply.length ? { energySupplyId: supply } : {}) },
      };
      const n = await must(outages.POST('/energyOutageNotice', { body: body as never }));
      navigate(`/outages/${n.id}`);
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };

  if (me.organizationKind !== 'DSO') return <p>Only DSOs publish energy outage notices.</p>;
  return (
    <section>
      <h1>Publish an energy outage</h1>
      <form className="form" onSubmit={submit}>
        <div className="cols map-cols">
          <div>
            <Field label="Title" id="o-name">
              <input id="o-name" maxLength={200} value={f.name ?? ''} onChange={upd('name')} />
            </Field>
            <Field label="Cause" id="o-cause">
              <input id="o-cause" maxLength={2000} value={f.cause ?? ''} onChange={upd('cause')} />
            </Field>
            <div className="row">
              <Field label="Kind" id="o-kind">
                <select id="o-kind" value={f.outageKind} onChange={upd('outageKind')}>
                  <option>unplanned</option>
                  <option>planned</option>
                </select>
              </Field>
              <Field label="Cause kind" id="o-causekind">
                <input id="o-causekind" maxLength={100} value={f.causeKind ?? ''} onChange={upd('causeKind')} />
              </Field>
            </div>
            <div className="row">
              <Field label="Start" id="o-start">
                <input id="o-start" type="datetime-local" value={f.start ?? ''} onChange={upd('start')} />
              </Field>
              <Field label="ETR" id="o-etr">
                <input id="o-etr" type="datetime-local" value={f.etr ?? ''} onChange={upd('etr')} />
              </Field>
              <Field label="ETR confidence" id="o-conf">
                <select id="o-conf" value={f.etrConfidence} onChange={upd('etrConfidence')}>
                  <option>low</option>
                  <option>high</option>
                </select>
              </Field>
            </div>
            <div className="row">
              <Field label="Remote-control window (optional)" id="o-rit">
                <input id="o-rit" type="datetime-local" value={f.rit ?? ''} onChange={upd('rit')} />
              </Field>
              <Field label="Window length (min)" id="o-rid">
                <input id="o-rid" type="number" min={0} max={100000} value={f.rid ?? ''} onChange={upd('rid')} />
              </Field>
            </div>
            <Field label="Energy supply ids (optional, comma separated)" id="o-supply">
              <input id="o-supply" value={f.supply ?? ''} onChange={upd('supply')} />
            </Field>
            <fieldset>
              <legend>Outage area</legend>
              <label className="check">
                <input type="radio" name="areamode" checked={mode === 'draw'} onChange={() => setMode('draw')} /> Draw on the map
              </label>
              <label className="check">
                <input type="radio" name="areamode" checked={mode === 'paste'} onChange={() => setMode('paste')} /> Paste GeoJSON
              </label>
              {mode === 'draw' ? (
                <p className="muted">
                  Click the map to add corners ({points.length} so far).{' '}
                  <button type="button" onClick={() => setPoints((p) => p.slice(0, -1))} disabled={!points.length}>
                    Undo point
                  </button>{' '}
                  <button type="button" onClick={() => setPoints([])} disabled={!points.length}>
                    Clear
                  </button>
                </p>
              ) : (
                <Field label="GeoJSON (Polygon, MultiPolygon, or Point with radius)" id="o-geojson">
                  <textarea id="o-geojson" rows={5} className="mono" value={paste} onChange={(e) => setPaste(e.target.value)} />
                </Field>
              )}
            </fieldset>
            <ErrorBox error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Publishing…' : 'Publish outage'}
            </button>
          </div>
          <OutageMap
            label="Draw the outage area"
            areas={mode === 'paste' && parseArea(paste).area ? [{ id: 'draft', label: 'Pasted area', area: parseArea(paste).area }] : []}
            draft={mode === 'draw' ? points : []}
            onPick={mode === 'draw' ? (p) => setPoints((x) => [...x, p]) : undefined}
          />
        </div>
      </form>
    </section>
  );
}
