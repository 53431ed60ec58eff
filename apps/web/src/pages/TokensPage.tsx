import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, api, type ApiToken } from '../api';
import { dateTime } from '../format';

/** Personal API tokens for scripts: `Authorization: Bearer <token>` acts as you (SPEC §10). */
export function TokensPage() {
  const [items, setItems] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const load = useCallback(async () => {
    try {
      setItems((await api.tokens()).items);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { token, item } = await api.createToken(name.trim());
      setCreated({ name: item.name, token });
      setName('');
      await load();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: ApiToken) => {
    setError(null);
    try {
      await api.revokeToken(token.id);
      if (created?.name === token.name) setCreated(null);
      await load();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>API tokens</h1>
      <p className="muted">
        A personal token lets a script use the REST API as you: <code>Authorization: Bearer &lt;token&gt;</code>. Its actions are on the timeline as yours.
      </p>
      <form className="card inline-form" onSubmit={(e) => void create(e)}>
        <label>
          <span>Token name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="deploy script" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ''}>
          Create token
        </button>
      </form>
      {created && (
        <div className="card created-token" role="status">
          <p>
            <strong>{created.name}</strong>: copy this token now. It is not shown again.
          </p>
          <code className="token-value" data-testid="new-token">
            {created.token}
          </code>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">You have no tokens.</p>
      ) : (
        <ul className="cards" aria-label="Tokens">
          {items.map((t) => (
            <li key={t.id} className={`card${t.revokedAt ? ' silence-ended' : ''}`}>
              <div>
                <strong>{t.name}</strong> <code className="muted">{t.prefix}…</code>
              </div>
              <div className="muted small">
                created {dateTime(t.createdAt)} · {t.lastUsedAt ? `last used ${dateTime(t.lastUsedAt)}` : 'never used'}
                {t.revokedAt && ` · revoked ${dateTime(t.revokedAt)}`}
              </div>
              {!t.revokedAt && (
                <button type="button" className="btn btn-small" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
