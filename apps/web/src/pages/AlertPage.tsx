import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, api, type AlertDetail, type TimelineEvent } from '../api';
import { StatusBadge } from '../components/StatusBadge';
import { age, dateTime, priorityClass, shortTime } from '../format';
import { Link } from '../router';
import { useAlertStream } from '../stream';
import { useNow } from '../useNow';
import { Select } from '../components/Select';

const SILENCE_DURATIONS = [
  { value: '30m', label: '30 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '2h', label: '2 hours' },
  { value: '4h', label: '4 hours' },
  { value: '8h', label: '8 hours' },
  { value: '1d', label: '1 day' },
  { value: 'until-ok', label: 'until it recovers' },
] as const;

type Action = 'ack' | 'resolve' | 'silence' | 'escalate';

/** One alert: what it is, what to do about it, and everything that happened to it. */
export function AlertPage({ number }: { number: number }) {
  const [alert, setAlert] = useState<AlertDetail | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [duration, setDuration] = useState('1h');
  const now = useNow();
  const id = useId();

  const load = useCallback(async () => {
    try {
      setAlert(await api.alert(number));
      setMissing(false);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setMissing(true);
      else if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    }
  }, [number]);

  useEffect(() => {
    void load();
  }, [load]);
  useAlertStream((change) => {
    if (change === null || change.number === number) void load();
  });
  useEffect(() => {
    document.title = alert ? `#${alert.number} ${alert.priority} ${alert.host} · Klaxon` : 'Klaxon';
    return () => {
      document.title = 'Klaxon';
    };
  }, [alert]);

  const act = async (action: Action) => {
    setBusy(action);
    setError(null);
    setNotice(null);
    try {
      switch (action) {
        case 'ack':
          await api.acknowledge(number);
          setNotice(`Acknowledged #${number}.`);
          break;
        case 'resolve':
          await api.resolve(number);
          setNotice(`Resolved #${number}.`);
          break;
        case 'silence': {
          const { silence } = await api.silenceAlert(number, duration);
          setNotice(silence.endsAt ? `Silenced until ${dateTime(silence.endsAt)}.` : 'Silenced until it recovers.');
          break;
        }
        case 'escalate': {
          const { escalatedTo } = await api.escalate(number);
          setNotice(`Escalated to step ${escalatedTo.step}.`);
          break;
        }
      }
      await load();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  if (missing) {
    return (
      <section className="page">
        <h1>Alert #{number} does not exist</h1>
        <p>
          <Link to="/">Back to the open alerts</Link>
        </p>
      </section>
    );
  }
  if (!alert) {
    return (
      <section className="page" aria-busy="true">
        <p className="muted">{error ?? 'Loading…'}</p>
      </section>
    );
  }

  const open = alert.status !== 'resolved';
  return (
    <article className="page" aria-labelledby={`${id}-title`}>
      <p className="crumbs">
        <Link to="/">← Alerts</Link>
      </p>
      <header className="alert-head">
        <h1 id={`${id}-title`}>
          <span className={priorityClass(alert.priority)}>{alert.priority}</span> <span className="alert-host">{alert.host}</span>{' '}
          <span className="muted">#{alert.number}</span>
        </h1>
        <p className="alert-message">{alert.message}</p>
        <p className="alert-state" data-testid="alert-state">
          <StatusBadge alert={alert} />
          {alert.acknowledgedVia && alert.status !== 'firing' && <span className="muted"> via {alert.acknowledgedVia}</span>}
        </p>
      </header>

      <div className="actions" role="group" aria-label="Actions">
        <button type="button" className="btn btn-primary" disabled={busy !== null || alert.status !== 'firing'} onClick={() => void act('ack')}>
          Acknowledge
        </button>
        <button type="button" className="btn" disabled={busy !== null || !open} onClick={() => void act('resolve')}>
          Resolve
        </button>
        <span className="silence-group">
          <label className="visually-hidden" htmlFor={`${id}-duration`}>
            Silence for
          </label>
          <Select id={`${id}-duration`} value={duration} choices={SILENCE_DURATIONS} onChange={setDuration} disabled={!open} />
          <button type="button" className="btn" disabled={busy !== null || !open} onClick={() => void act('silence')}>
            Silence
          </button>
        </span>
        <button type="button" className="btn" disabled={busy !== null || alert.status !== 'firing' || alert.silenced} onClick={() => void act('escalate')}>
          Escalate
        </button>
      </div>
      <div aria-live="polite">
        {notice && <p className="notice">{notice}</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>

      <dl className="facts">
        <div>
          <dt>IP</dt>
          <dd>{alert.ip || '—'}</dd>
        </div>
        <div>
          <dt>Count</dt>
          <dd>{alert.count}</dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd>
            {dateTime(alert.firstSeenAt)} <span className="muted">({age(alert.firstSeenAt, now)} ago)</span>
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{dateTime(alert.lastSeenAt)}</dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{alert.tier ?? '—'}</dd>
        </div>
        <div>
          <dt>Policy</dt>
          <dd>{alert.policy ?? '—'}</dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{alert.source}</dd>
        </div>
        <div>
          <dt>Silence</dt>
          <dd>
            <Link to={`/silences?host=${encodeURIComponent(alert.host)}`}>Silence similar alerts…</Link>
          </dd>
        </div>
      </dl>

      <h2>Timeline</h2>
      <ol className="timeline" aria-label="Timeline">
        {alert.events.map((event, i) => (
          <li key={i} className={`event event-${event.type}`}>
            <time dateTime={event.at}>{dateTime(event.at)}</time>
            <span className="event-text">{describeEvent(event)}</span>
          </li>
        ))}
      </ol>

      <h2>Notifications</h2>
      {alert.notifications.length === 0 ? (
        <p className="muted">Nobody has been paged for this alert.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Channel</th>
                <th scope="col">Kind</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {alert.notifications.map((n) => (
                <tr key={n.id}>
                  <td className="nowrap">{shortTime(n.createdAt)}</td>
                  <td>{n.userId ?? n.address}</td>
                  <td>{n.channel}</td>
                  <td>{n.kind}</td>
                  <td>
                    <span className={`delivery delivery-${n.status}`}>{n.status}</span>
                    {n.attempts > 1 && <span className="muted"> after {n.attempts} attempts</span>}
                    {n.error && <span className="muted"> — {n.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

const EVENT_WORDS: Record<string, string> = {
  received: 'Received',
  deduplicated: 'Seen again',
  routed: 'Routed',
  silenced: 'Silenced',
  unsilenced: 'Silence ended',
  inhibited: 'Inhibited',
  flapping: 'Flapping',
  notified: 'Paged',
  delivered: 'Delivered',
  failed: 'Delivery failed',
  escalated: 'Escalated',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

/** One line per timeline event: what happened, who did it and how, and the detail that matters. */
export function describeEvent(event: TimelineEvent): string {
  const d = event.detail ?? {};
  const words = [EVENT_WORDS[event.type] ?? event.type];
  const str = (key: string) => (typeof d[key] === 'string' || typeof d[key] === 'number' ? String(d[key]) : undefined);
  switch (event.type) {
    case 'deduplicated': {
      const n = str('count') ?? str('added') ?? str('by');
      if (n) words.push(`(+${n})`);
      break;
    }
    case 'routed':
      if (str('policy')) words.push(`to policy ${str('policy')}`);
      if (str('tier')) words.push(`(${str('tier')} tier)`);
      break;
    case 'notified':
    case 'delivered':
    case 'failed':
      if (event.actor) words.push(event.type === 'notified' ? event.actor : `to ${event.actor}`);
      if (event.via) words.push(`by ${event.via}`);
      if (str('step')) words.push(`(step ${str('step')})`);
      if (str('together')) words.push(`(one message for ${str('together')} alerts)`);
      if (event.type === 'failed' && str('error')) words.push(`— ${str('error')}`);
      return words.join(' ');
    case 'inhibited':
      if (d['released'] === true) return 'Released: the host-down alert resolved';
      if (str('by')) words.push(`by #${str('by')} (host down)`);
      break;
    case 'flapping':
      if (str('cycles')) words.push(`×${str('cycles')}`);
      if (str('status') === 'OK') words.push('(OK held until stable)');
      break;
    case 'escalated':
      if (str('step')) words.push(`to step ${str('step')}`);
      break;
  }
  if (event.actor) words.push(`by ${event.actor}`);
  if (event.via) words.push(`via ${event.via}`);
  return words.join(' ');
}
