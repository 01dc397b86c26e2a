import { useState, type FormEvent } from 'react';
import { ErrorBox, Field } from '../ui';
import { signIn, signInWithKey, type Me } from '../session';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice?: string | undefined }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = (how: 'password' | 'key') => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(how === 'password' ? await signIn(email.trim(), password) : await signInWithKey(key.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <h1>Gridlink console</h1>
      <p className="muted">DSO operations and MNO service desks: tickets, outages and network status, live.</p>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <form onSubmit={submit('password')} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <Field label="E-mail" id="email">
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" id="password">
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <details className="keysignin">
        <summary>Sign in with an organisation API key (integrators)</summary>
        <form onSubmit={submit('key')}>
          <Field label="API key" id="apikey" hint="Kept in this browser tab only.">
            <input id="apikey" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
          </Field>
          <button type="submit" disabled={busy}>
            Use key
          </button>
        </form>
      </details>
    </main>
  );
}
