import { ApiError, currentCsrf, party, setAuth, type TmfError } from './api';

/** Who is signed in: a person (session cookie) or, for developers, an organisation API key. */
export interface Me {
  via: 'session' | 'apiKey';
  name: string;
  email?: string;
  role: string;
  organizationId: string;
  organizationName: string;
  organizationKind: 'DSO' | 'MNO';
  expiresAt?: string;
}

const SESSION = '/tmf-api/identity/v1/session';
const KEY_STORE = 'gridlink.apiKey';

interface SessionBody {
  csrfToken?: string;
  expiresAt?: string;
  user: { name: string; email: string; role: string; organizationId: string; organizationName: string; organizationKind: 'DSO' | 'MNO' };
}

async function tmfError(r: Response): Promise<ApiError> {
  const body = (await r.json().catch(() => ({ message: r.statusText }))) as TmfError;
  return new ApiError(r.status, body);
}

function fromSession(s: SessionBody): Me {
  setAuth({ csrfToken: s.csrfToken });
  return { via: 'session', ...s.user, ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}) };
}

/** Signs in with e-mail and password (POST /tmf-api/identity/v1/session). */
export async function signIn(email: string, password: string): Promise<Me> {
  const r = await fetch(SESSION, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!r.ok) throw await tmfError(r);
  return fromSession((await r.json()) as SessionBody);
}

/**
 * Signs in with an organisation API key (developers and integrators). The key is kept in
 * this tab only (sessionStorage). Its organisation is the one of the listed organisations
 * whose kind appears once: an organisation sees itself and its partners, all of the other kind.
 */
export async function signInWithKey(apiKey: string): Promise<Me> {
  setAuth({ apiKey });
  try {
    const r = await party.GET('/organization', {});
    if (!r.response.ok || !r.data) throw new ApiError(r.response.status, (r.error ?? {}) as TmfError);
    const orgs = r.data;
    const dso = orgs.filter((o) => o.kind === 'DSO');
    const mno = orgs.filter((o) => o.kind === 'MNO');
    const self =
      dso.length === 1 && mno.length !== 1
        ? dso[0]
        : mno.length === 1 && dso.length !== 1
          ? mno[0]
          : orgs.length === 1
            ? orgs[0]
            : undefined;
    if (!self) throw new ApiError(400, { message: 'Cannot tell which organisation this key belongs to' });
    sessionStorage.setItem(KEY_STORE, apiKey);
    return {
      via: 'apiKey',
      name: 'API key',
      role: 'key',
      organizationId: self.id,
      organizationName: self.name,
      organizationKind: self.kind as 'DSO' | 'MNO',
    };
  } catch (e) {
    setAuth({});
    throw e;
  }
}

/** The current session, if any (cookie, or the API key kept in this tab). */
export async function resume(): Promise<Me | undefined> {
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) return signInWithKey(key).catch(() => undefined);
  const r = await fetch(SESSION, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).catch(() => undefined);
  if (!r?.ok) return undefined;
  return fromSession((await r.json()) as SessionBody);
}

export async function signOut(me: Me): Promise<void> {
  if (me.via === 'session') {
    await fetch(SESSION, { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': currentCsrf() ?? '' } }).catch(
      () => undefined,
    );
  }
  sessionStorage.removeItem(KEY_STORE);
  setAuth({});
}
