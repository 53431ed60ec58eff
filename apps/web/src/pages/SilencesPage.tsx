import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, api, type Silence, type SilenceMatchers } from '../api';
import { dateTime } from '../format';
import { Select } from '../components/Select';

const DURATIONS = ['30m', '1h', '2h', '4h', '8h', '1d', '3d', '7d'] as const;
const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'] as const;

/** What a silence matches, in words. */
export function describeMatchers(m: SilenceMatchers): string {
  const parts: string[] = [];
  if (m.host) parts.push(`host ${m.host}`);
  if (m.ip) parts.push(`ip ${m.ip}`);
  if (m.message) parts.push(`message contains “${m.message}”`);
  if (m.messageRegex) parts.push(`message ~ ${m.messageRegex}`);
  if (m.priority?.length) parts.push(m.priority.join('/'));
  if (m.fingerprint) parts.push('one alert (its fingerprint)');
  return parts.join(', ') || '(nothing)';
}

/** Silences: the active ones (or all), expire one, make one from matchers. */
export function SilencesPage({ search }: { search: URLSearchParams }) {
  const [items, setItems] = useState<Silence[] | null>(null);
  const [showEnded, setShowEnded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const id = useId();

  const load = useCallback(async () => {
    try {
      setItems((await api.silences(showEnded)).items);
      setError(null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  }, [showEnded]);
  useEffect(() => {
    void load();
  }, [load]);

  const expire = async (silence: Silence) => {
    setNotice(null);
    try {
      await api.expireSilence(silence.id);
      setNotice(`Expired the silence on ${describeMatchers(silence.matchers)}.`);
      await load();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  };

  const now = Date.now();
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Silences</h1>
      <SilenceForm
        key={search.toString()}
        initialHost={search.get('host') ?? ''}
        onCreated={async (s) => {
          setNotice(`Silenced ${describeMatchers(s.matchers)} until ${dateTime(s.endsAt)}.`);
          await load();
        }}
      />
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="section-head">
        <h2>{showEnded ? 'All silences' : 'Active silences'}</h2>
        <label className="check">
          <input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} />
          <span>Show ended</span>
        </label>
      </div>
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">No silences.</p>
      ) : (
        <ul className="cards" aria-label="Silences">
          {items.map((s) => {
            const ended = s.expiredAt !== null || (s.endsAt !== null && Date.parse(s.endsAt) <= now);
            return (
              <li key={s.id} className={`card silence${ended ? ' silence-ended' : ''}`}>
                <div className="silence-what">{describeMatchers(s.matchers)}</div>
                {s.comment && <div className="silence-comment">“{s.comment}”</div>}
                <div className="muted small">
                  by {s.author} via {s.origin} · {dateTime(s.startsAt)} → {s.endsAt ? dateTime(s.endsAt) : 'until it recovers'}
                  {s.expiredAt && ` · expired ${dateTime(s.expiredAt)}`}
                </div>
                {!ended && (
                  <button type="button" className="btn btn-small" onClick={() => void expire(s)} aria-label={`Expire silence on ${describeMatchers(s.matchers)}`}>
                    Expire
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function SilenceForm({ initialHost, onCreated }: { initialHost: string; onCreated: (s: Silence) => Promise<void> }) {
  const [host, setHost] = useState(initialHost);
  const [ip, setIp] = useState('');
  const [message, setMessage] = useState('');
  const [messageRegex, setMessageRegex] = useState('');
  const [priorities, setPriorities] = useState<string[]>([]);
  const [duration, setDuration] = useState('1h');
  const [comment, setComment] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const matchers: SilenceMatchers = {};
    if (host.trim()) matchers.host = host.trim();
    if (ip.trim()) matchers.ip = ip.trim();
    if (message.trim()) matchers.message = message.trim();
    if (messageRegex.trim()) matchers.messageRegex = messageRegex.trim();
    if (priorities.length) matchers.priority = priorities;
    if (Object.keys(matchers).length === 0) {
      setProblems(['Give at least one matcher: host, ip, message or priority.']);
      return;
    }
    setBusy(true);
    setProblems([]);
    try {
      const created = await api.createSilence({ matchers, duration, comment: comment.trim() });
      setHost('');
      setIp('');
      setMessage('');
      setMessageRegex('');
      setPriorities([]);
      setComment('');
      await onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setProblems(err instanceof ApiError && err.problems.length ? err.problems : [err instanceof Error ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New silence</h2>
      <label>
        <span>Host (glob)</span>
        <input value={host} onChange={(e) => setHost(e.target.value)} placeholder="db-*" autoCapitalize="none" spellCheck={false} />
      </label>
      <label>
        <span>IP or range</span>
        <input value={ip} onChange={(e) => setIp(e.target.value)} placeholder="10.0.0.0/24" autoCapitalize="none" spellCheck={false} />
      </label>
      <label>
        <span>Message contains</span>
        <input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="disk full" />
      </label>
      <label>
        <span>Message regex</span>
        <input value={messageRegex} onChange={(e) => setMessageRegex(e.target.value)} placeholder="/disk (full|9\d%)/i" spellCheck={false} />
      </label>
      <fieldset className="span-all">
        <legend>Priorities (none: any)</legend>
        <div className="chips">
          {PRIORITIES.map((p) => (
            <label key={p} className="chip">
              <input
                type="checkbox"
                checked={priorities.includes(p)}
                onChange={(e) => setPriorities((before) => (e.target.checked ? [...before, p] : before.filter((x) => x !== p)))}
              />
              <span>{p}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        <span>Duration</span>
        <Select value={duration} choices={DURATIONS} onChange={setDuration} />
      </label>
      <label>
        <span>Comment</span>
        <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="why (maintenance, known issue…)" />
      </label>
      {problems.length > 0 && (
        <ul className="error span-all" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="span-all">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create silence
        </button>
      </div>
    </form>
  );
}
