import { useState, type FormEvent } from 'react';
import { must, tickets, type TicketCreate as Body } from '../api';
import { useMe } from '../me';
import { navigate } from '../router';
import { ErrorBox, Field } from '../ui';
import { SEVERITIES, TICKET_TYPES } from '../tickets';
import { usePartners } from './Tickets';

/** Client-side checks mirror the API's schema (TroubleTicket_FVO); the server has the last word. */
function validate(f: Record<string, string>): Record<string, string> {
  const e: Record<string, string> = {};
  if (!f.name?.trim()) e.name = 'A title is needed.';
  else if (f.name.length > 200) e.name = 'At most 200 characters.';
  if (!f.description?.trim()) e.description = 'Describe what is wrong.';
  else if (f.description.length > 10000) e.description = 'At most 10,000 characters.';
  if (!SEVERITIES.includes(f.severity ?? '')) e.severity = 'Choose a severity.';
  if (!TICKET_TYPES.includes(f.ticketType ?? '')) e.ticketType = 'Choose a ticket type.';
  if (!f.partner) e.partner = 'Choose the MNO responsible for it.';
  if (f.requested && Number.isNaN(new Date(f.requested).getTime())) e.requested = 'Not a valid date and time.';
  if ((f.note ?? '').length > 10000) e.note = 'At most 10,000 characters.';
  return e;
}

export function TicketCreate() {
  const me = useMe();
  const partners = usePartners();
  const [f, setF] = useState<Record<string, string>>({ severity: 'major', ticketType: 'down' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const upd = (k: string) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const invalid = (k: string) => (errors[k] ? { 'aria-invalid': true, 'aria-describedby': `${k}-err` } : {});
  const err = (k: string) =>
    errors[k] ? (
      <span className="fielderror" id={`${k}-err`}>
        {errors[k]}
      </span>
    ) : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = validate(f);
    setErrors(v);
    if (Object.keys(v).length) return;
    setBusy(true);
    setError(undefined);
    const body: Body = {
      name: f.name!.trim(),
      description: f.description!.trim(),
      severity: f.severity as Body['severity'],
      ticketType: f.ticketType as Body['ticketType'],
      relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: f.partner! } }] as Body['relatedParty'],
      ...(f.requested ? { requestedResolutionDate: new Date(f.requested).toISOString() } : {}),
      ...(f.note?.trim() ? { note: [{ text: f.note.trim() }] as Body['note'] } : {}),
    };
    try {
      const t = await must(tickets.POST('/troubleTicket', { body }));
      navigate(`/tickets/${t.id}`);
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };

  if (me.organizationKind !== 'DSO') return <p>Only DSOs file trouble tickets with an MNO.</p>;
  return (
    <section>
      <h1>New trouble ticket</h1>
      <form className="form" onSubmit={submit} noValidate>
        <Field label="Title" id="name">
          <input id="name" maxLength={200} value={f.name ?? ''} onChange={upd('name')} {...invalid('name')} />
          {err('name')}
        </Field>
        <Field label="Description" id="description">
          <textarea id="description" rows={5} value={f.description ?? ''} onChange={upd('description')} {...invalid('description')} />
          {err('description')}
        </Field>
        <div className="row">
          <Field label="Severity" id="severity">
            <select id="severity" value={f.severity} onChange={upd('severity')} {...invalid('severity')}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            {err('severity')}
          </Field>
          <Field label="Ticket type" id="ticketType">
            <select id="ticketType" value={f.ticketType} onChange={upd('ticketType')} {...invalid('ticketType')}>
              {TICKET_TYPES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            {err('ticketType')}
          </Field>
          <Field label="Responsible MNO" id="partner">
            <select id="partner" value={f.partner ?? ''} onChange={upd('partner')} {...invalid('partner')}>
              <option value="">Choose…</option>
              {(partners.data ?? []).map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            {err('partner')}
          </Field>
          <Field label="Requested resolution (optional)" id="requested">
            <input id="requested" type="datetime-local" value={f.requested ?? ''} onChange={upd('requested')} {...invalid('requested')} />
            {err('requested')}
          </Field>
        </div>
        <Field label="First note (optional)" id="note">
          <textarea id="note" rows={2} value={f.note ?? ''} onChange={upd('note')} {...invalid('note')} />
          {err('note')}
        </Field>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Filing…' : 'File ticket'}
        </button>
      </form>
    </section>
  );
}
