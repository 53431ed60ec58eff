import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError, api, type OnCallView } from '../api';
import { dateTime, localInputValue } from '../format';
import { Select } from '../components/Select';

/** Who is on call now and next per schedule, each policy's first step, and a temporary override. */
export function OnCallPage() {
  const [view, setView] = useState<OnCallView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  const load = useCallback(async () => {
    try {
      setView(await api.oncall());
      setError(null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>On call</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {view === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          {view.schedules.length === 0 ? (
            <p className="empty">No schedules are configured.</p>
          ) : (
            <ul className="cards" aria-label="Schedules">
              {view.schedules.map((s) => (
                <li key={s.schedule} className="card">
                  <h2 className="card-title">{s.schedule}</h2>
                  <p>
                    <strong>Now:</strong> {s.now.name}
                    {s.now.override && <span className="tag">override</span>}{' '}
                    <span className="muted small">until {dateTime(s.now.until)}</span>
                  </p>
                  <p>
                    <strong>Next:</strong>{' '}
                    {s.next ? (
                      <>
                        {s.next.name}
                        {s.next.override && <span className="tag">override</span>} <span className="muted small">from {dateTime(s.next.from)}</span>
                      </>
                    ) : (
                      <span className="muted">nobody else soon</span>
                    )}
                  </p>
                  <p className="muted small">Time zone {s.timezone}</p>
                </li>
              ))}
            </ul>
          )}
          {view.policies.length > 0 && (
            <>
              <h2>Escalation policies: first step</h2>
              <ul className="plain">
                {view.policies.map((p) => (
                  <li key={p.policy}>
                    <strong>{p.policy}</strong>:{' '}
                    {p.targets.map((t) => `${t.kind} ${t.id}${t.onCall ? ` (${t.onCall})` : ''}`).join(', ') || 'nobody'}
                  </li>
                ))}
              </ul>
            </>
          )}
          {view.schedules.length > 0 && <OverrideForm view={view} onCreated={load} />}
        </>
      )}
    </section>
  );
}

function OverrideForm({ view, onCreated }: { view: OnCallView; onCreated: () => Promise<void> }) {
  const [schedule, setSchedule] = useState(view.schedules[0]?.schedule ?? '');
  const [user, setUser] = useState('');
  const [from, setFrom] = useState(() => localInputValue(0));
  const [to, setTo] = useState(() => localInputValue(12 * 3600_000));
  const [problems, setProblems] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const timezone = view.schedules.find((s) => s.schedule === schedule)?.timezone ?? 'UTC';
  const people = useMemo(() => {
    const ids = new Set<string>();
    for (const s of view.schedules) {
      ids.add(s.now.user);
      if (s.next) ids.add(s.next.user);
    }
    return [...ids].sort();
  }, [view]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    setNotice(null);
    try {
      // A local date and time without an offset is read in the schedule's time zone by the api.
      await api.createOverride(schedule, { user: user.trim(), from, to });
      setNotice(`${user.trim()} covers ${schedule} from ${from.replace('T', ' ')} to ${to.replace('T', ' ')} (${timezone}).`);
      await onCreated();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setProblems(err instanceof ApiError && err.problems.length ? err.problems : [err instanceof Error ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Override: someone covers a shift</h2>
      <label>
        <span>Schedule</span>
        <Select value={schedule} choices={view.schedules.map((s) => s.schedule)} onChange={setSchedule} />
      </label>
      <label>
        <span>Who covers (user id)</span>
        <input value={user} onChange={(e) => setUser(e.target.value)} list={`${id}-people`} required autoCapitalize="none" spellCheck={false} />
        <datalist id={`${id}-people`}>
          {people.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </label>
      <label>
        <span>From ({timezone})</span>
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
      </label>
      <label>
        <span>To ({timezone})</span>
        <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
      </label>
      {problems.length > 0 && (
        <ul className="error span-all" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="span-all" aria-live="polite">
        {notice && <p className="notice">{notice}</p>}
      </div>
      <div className="span-all">
        <button type="submit" className="btn btn-primary" disabled={busy || !schedule}>
          Add override
        </button>
      </div>
    </form>
  );
}
