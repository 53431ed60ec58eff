import { useEffect, useId, useState } from 'react';
import { ApiError, api, type DeliveryHealth } from '../api';
import { dateTime } from '../format';
import { Link } from '../router';

/** Delivery health per channel (sent, delivered, failed, the last error) and rejected input per integration, over the last day. */
export function DeliveryHealthPage() {
  const [health, setHealth] = useState<DeliveryHealth | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  useEffect(() => {
    api.deliveryHealth().then(setHealth, (err: unknown) => {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
    });
  }, []);

  return (
    <section className="page page-wide" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Delivery health</h1>
      {health && <p className="muted">Pages and notices since {dateTime(health.since)}.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {health === null ? (
        !error && <p className="muted">Loading…</p>
      ) : health.channels.length === 0 ? (
        <p className="empty">Nothing was sent in this period.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Delivery per channel">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col" className="num">
                  Sent
                </th>
                <th scope="col" className="num">
                  Delivered
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="num">
                  Pending
                </th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {health.channels.map((c) => (
                <tr key={c.channel} className={c.failed > 0 ? 'row-bad' : undefined}>
                  <th scope="row">{c.channel}</th>
                  <td className="num">{c.sent}</td>
                  <td className="num">{c.delivered}</td>
                  <td className="num">{c.failed}</td>
                  <td className="num">{c.pending}</td>
                  <td>
                    {c.lastError ? (
                      <>
                        {c.lastError.error} <span className="muted small">({dateTime(c.lastError.at)})</span>
                      </>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {health && (
        <>
          <h2>Integrations</h2>
          {health.integrations.length === 0 ? (
            <p className="muted">No integration sent anything that was rejected in this period.</p>
          ) : (
            <ul className="plain" aria-label="Rejected input per integration">
              {health.integrations.map((i) => (
                <li key={i.integration}>
                  <strong>{i.integration}</strong>: {i.rejected} rejected, last {dateTime(i.lastRejectedAt)}
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to="/rejected">See the rejected-input log</Link>
          </p>
        </>
      )}
    </section>
  );
}
