import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError, api, type AlertItem } from '../api';
import { StatusBadge } from '../components/StatusBadge';
import { age, priorityClass } from '../format';
import { Link, navigate } from '../router';
import { useAlertStream } from '../stream';
import { useNow } from '../useNow';
import { Select } from '../components/Select';

const LIMIT = 200;
const RETRY_MS = 3000;

const STATUS_OPTIONS = [
  { value: '', label: 'Open' },
  { value: 'firing', label: 'Firing' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'firing,acknowledged,resolved', label: 'All' },
] as const;

const PRIORITY_OPTIONS = [
  { value: '', label: 'Any' },
  { value: 'P0', label: 'P0' },
  { value: 'P0,P1', label: 'P0–P1' },
  { value: 'P0,P1,P2', label: 'P0–P2' },
  { value: 'P1', label: 'P1' },
  { value: 'P2', label: 'P2' },
  { value: 'P3,P4,P5,P6,P7,P8,P9', label: 'P3–P9' },
] as const;

interface Filters {
  status: string;
  priority: string;
  host: string;
  q: string;
}

function filtersOf(search: URLSearchParams): Filters {
  return { status: search.get('status') ?? '', priority: search.get('priority') ?? '', host: search.get('host') ?? '', q: search.get('q') ?? '' };
}

function hrefOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** The open alerts, most urgent first, live; filters; select many and acknowledge. */
export function AlertListPage({ search }: { search: URLSearchParams }) {
  const filters = filtersOf(search);
  const { status, priority, host, q } = filters;
  const [items, setItems] = useState<AlertItem[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const known = useRef<Set<number> | null>(null);
  const now = useNow();
  const id = useId();

  // Text filters are typed into local state and reach the URL (and the API) after a pause.
  const [hostText, setHostText] = useState(host);
  const [qText, setQText] = useState(q);
  useEffect(() => setHostText(host), [host]);
  useEffect(() => setQText(q), [q]);
  useEffect(() => {
    if (hostText === host && qText === q) return;
    const timer = window.setTimeout(() => navigate(hrefOf({ status, priority, host: hostText.trim(), q: qText.trim() }), { replace: true }), 300);
    return () => window.clearTimeout(timer);
  }, [hostText, qText, host, q, status, priority]);

  const load = useCallback(async () => {
    try {
      // The API's `q` matches host, ip and message; the host filter narrows to the host itself here.
      const page = await api.alerts({ status, priority, q: q || host, limit: LIMIT });
      const wantedHost = host.toLowerCase();
      const shown = wantedHost ? page.items.filter((a) => a.host.toLowerCase().includes(wantedHost)) : page.items;
      const seen = known.current;
      if (seen) {
        const arrived = shown.filter((a) => !seen.has(a.number)).map((a) => a.number);
        if (arrived.length > 0) setFresh(new Set(arrived));
      }
      known.current = new Set(shown.map((a) => a.number));
      setItems(shown);
      setMore(page.nextCursor !== null);
      setSelected((before) => new Set([...before].filter((n) => shown.some((a) => a.number === n))));
      setError(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setError(err instanceof Error ? err.message : String(err));
      // a re-read that failed (the network dropped) is tried again, or the list would stay stale until the next change
      reloadSoon(RETRY_MS);
    }
  }, [status, priority, q, host]);

  // Live: any change re-reads the list (coalesced), so order, filters and counts stay the server's.
  const pending = useRef<number | undefined>(undefined);
  const latestLoad = useRef(load);
  latestLoad.current = load;
  function reloadSoon(ms: number) {
    window.clearTimeout(pending.current);
    pending.current = window.setTimeout(() => void latestLoad.current(), ms);
  }
  useAlertStream(() => reloadSoon(120));

  useEffect(() => {
    known.current = null;
    void load();
  }, [load]);

  // Back online, or back to the tab (a phone may have frozen it): re-read rather than trust what is on screen.
  useEffect(() => {
    const refresh = () => document.visibilityState === 'visible' && reloadSoon(0);
    window.addEventListener('online', refresh);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      window.removeEventListener('online', refresh);
      document.removeEventListener('visibilitychange', refresh);
      window.clearTimeout(pending.current);
    };
  }, []);

  const setFilter = (patch: Partial<Filters>) => navigate(hrefOf({ ...filters, host: hostText.trim(), q: qText.trim(), ...patch }), { replace: true });

  const ackable = useMemo(() => (items ?? []).filter((a) => selected.has(a.number) && a.status === 'firing'), [items, selected]);
  const allSelected = items !== null && items.length > 0 && items.every((a) => selected.has(a.number));

  const toggle = (number: number) =>
    setSelected((before) => {
      const next = new Set(before);
      if (next.has(number)) next.delete(number);
      else next.add(number);
      return next;
    });

  const acknowledgeSelected = async () => {
    setBusy(true);
    setNotice(null);
    try {
      const { results } = await api.acknowledgeMany(ackable.map((a) => a.number));
      const failed = results.filter((r) => !r.ok);
      setNotice(
        failed.length === 0
          ? `Acknowledged ${results.length} alert${results.length === 1 ? '' : 's'}.`
          : `Acknowledged ${results.length - failed.length}; ${failed.map((f) => f.error ?? `#${f.number}`).join('; ')}`,
      );
      setSelected(new Set());
      await load();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setNotice(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const title = STATUS_OPTIONS.find((o) => o.value === status)?.label ?? 'Open';

  return (
    <section className="page page-wide" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>
          {title} alerts {items && <span className="count-pill">{items.length}{more ? '+' : ''}</span>}
        </h1>
      </div>

      <form className="filters" role="search" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Status</span>
          <Select value={status} choices={STATUS_OPTIONS} onChange={(v) => setFilter({ status: v })} />
        </label>
        <label>
          <span>Priority</span>
          <Select value={priority} choices={PRIORITY_OPTIONS} onChange={(v) => setFilter({ priority: v })} />
        </label>
        <label>
          <span>Host</span>
          <input type="search" value={hostText} onChange={(e) => setHostText(e.target.value)} placeholder="web-01" autoCapitalize="none" spellCheck={false} />
        </label>
        <label className="grow">
          <span>Text</span>
          <input type="search" value={qText} onChange={(e) => setQText(e.target.value)} placeholder="host, ip or message" spellCheck={false} />
        </label>
      </form>

      <div className="bulkbar" aria-live="polite">
        <label className="check">
          <input
            type="checkbox"
            checked={allSelected}
            disabled={!items || items.length === 0}
            onChange={() => setSelected(allSelected ? new Set() : new Set((items ?? []).map((a) => a.number)))}
          />
          <span>Select all</span>
        </label>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" disabled={busy || ackable.length === 0} onClick={() => void acknowledgeSelected()}>
          Acknowledge selected{ackable.length > 0 ? ` (${ackable.length})` : ''}
        </button>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      {items === null ? (
        <p className="muted list-placeholder">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty list-placeholder">{status === '' && !priority && !host && !q ? 'No open alerts. All quiet.' : 'No alerts match these filters.'}</p>
      ) : (
        <ul className="alert-list" aria-label="Alerts">
          {items.map((alert) => (
            <li
              key={alert.number}
              className={`alert-row row-${alert.status}${alert.silenced ? ' row-silenced' : ''}${fresh.has(alert.number) ? ' row-fresh' : ''}`}
              data-number={alert.number}
            >
              <input
                type="checkbox"
                className="row-check"
                checked={selected.has(alert.number)}
                onChange={() => toggle(alert.number)}
                aria-label={`Select #${alert.number} ${alert.host}`}
              />
              <Link to={`/alerts/${alert.number}`} className="row-link">
                <span className={priorityClass(alert.priority)}>{alert.priority}</span>
                <span className="row-line">
                  <span className="row-host">
                    {alert.host}
                    {alert.ip && <span className="row-ip"> {alert.ip}</span>}
                  </span>
                  <span className="row-count" title={`${alert.count} occurrence${alert.count === 1 ? '' : 's'}`}>
                    {alert.count > 1 ? `×${alert.count}` : ''}
                  </span>
                  <span className="row-age" title={`first seen ${new Date(alert.firstSeenAt).toLocaleString()}`}>
                    {age(alert.firstSeenAt, now)}
                  </span>
                </span>
                <span className="row-line">
                  <span className="row-msg">{alert.message}</span>
                  <span className="row-state">
                    <StatusBadge alert={alert} />
                  </span>
                </span>
                <span className="row-number">#{alert.number}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {more && <p className="muted">Showing the {LIMIT} most urgent; narrow the filters to see the rest.</p>}
    </section>
  );
}
