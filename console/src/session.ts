import { ApiError, identity, party, setAuth, type Session, type TmfError } from './api';

/** Who is signed in: a person (session cookie) or, for integrators, an organisation API key. */
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

const KEY_STORE = 'gridlink.apiKey';

function fromSession(s: Session): Me {
  setAuth({ csrfToken: s.csrfToken });
  return { via: 'session', ...s.user, expiresAt: s.expiresAt };
}

/** Signs in with e-mail and password (POST /tmf-api/identity/v1/session sets the session cookie). */
export async function signIn(email: string, password: string): Promise<Me> {
  setAuth({});
  const r = await identity.POST('/session', { body: { email, password } });
  if (!r.response.ok || !r.data) throw new ApiError(r.response.status, (r.error ?? { message: r.response.statusText }) as TmfError);
  return fromSession(r.data);
}

/**
 * Signs in with an organisation API key (integrators). The key is kept in this tab only
 * (sessionStorage). Its organisation is the one of the listed organisations whose kind
 * appears once: an organisation sees itself and its partners, all of the other kind. Its
 * role is `admin` when it may list the organisation's API keys, else `operator` (a viewer
 * key is refused on its first write, with the API's error).
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
    const keys = await party.GET('/apiKey', {});
    sessionStorage.setItem(KEY_STORE, apiKey);
    return {
      via: 'apiKey',
      name: 'API key',
      role: keys.response.ok ? 'admin' : 'operator',
      organizationId: self.id,
      organizationName: self.name,
      organizationKind: self.kind as 'DSO' | 'MNO',
    };
  } catch (e) {
    setAuth({});
    throw e;
  }
}

/** The current session, if any (the cookie, or the API key kept in this tab). */
export async function resume(): Promise<Me | undefined> {
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) return signInWithKey(key).catch(() => undefined);
  const r = await identity.GET('/session', {}).catch(() => undefined);
  return r?.response.ok && r.data ? fromSession(r.data) : undefined;
}

export async function signOut(me: Me): Promise<void> {
  if (me.via === 'session') await identity.DELETE('/session', {}).catch(() => undefined);
  sessionStorage.removeItem(KEY_STORE);
  setAuth({});
}
