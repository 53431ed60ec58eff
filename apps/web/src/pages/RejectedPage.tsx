import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, type RejectedInput } from '../api';
import { dateTime } from '../format';

/** Rejections are written by the worker a moment after ingest answers, so the newest page is re-read while the page is open. */
const REFRESH_MS = 5_000;

/** The rejected-input log: what ingest refused and why, newest first. */
export function RejectedPage() {
  const [items, setItems] = useState<RejectedInput[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const olderLoaded = useRef(false);
  const id = useId();

  const load = async (after: string | null) => {
    try {
      const page = await api.rejected(after);
      if (after) {
        olderLoaded.current = true;
        setItems((before) => [...(before ?? []), ...page.items]);
        setCursor(page.nextCursor);
      } else if (olderLoaded.current) {
        // a refresh keeps the older pages already loaded below the newest one
        const fresh = new Set(page.items.map((r) => r.id));
        setItems((before) => [...page.items, ...(before ?? []).filter((r) => !fresh.has(r.id))]);
      } else {
        setItems(page.items);
        setCursor(page.nextCursor);
      }
      setError(null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  };
  useEffect(() => {
    void load(null);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load(null);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  return (
    <section className="page page-wide" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Rejected input</h1>
      <p className="muted">Lines and bodies ingest refused. Nothing sent to Klaxon is silently lost: fix the sender, or the line, using the reason.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">Nothing has been rejected.</p>
      ) : (
        <ul className="cards" aria-label="Rejected input">
          {items.map((r) => (
            <li key={r.id} className="card rejected">
              <div className="muted small">
                {dateTime(r.receivedAt)} · {r.integration} · {r.endpoint}
                {r.line !== null && ` · line ${r.line}`}
              </div>
              <code className="rejected-input">{r.input}</code>
              <div className="rejected-error">{r.error}</div>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" className="btn" onClick={() => void load(cursor)}>
          Load older
        </button>
      )}
    </section>
  );
}
