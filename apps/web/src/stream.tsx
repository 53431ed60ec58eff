/**
 * One EventSource on GET /api/v1/stream per signed-in tab, shared by every
 * screen. Screens subscribe and re-read what they show when an alert changes;
 * after a reconnect they re-read everything, since changes made while the
 * stream was down are not replayed (apps/api/src/stream).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api } from './api';

export interface AlertChange {
  event: 'opened' | 'changed' | 'resolved';
  number: number;
  status: string;
  priority: string;
  host: string;
  silenced: boolean;
}

/** An alert changed, or (`null`) the stream reconnected and anything may have. */
export type StreamListener = (change: AlertChange | null) => void;
export type StreamState = 'connecting' | 'live' | 'reconnecting';

interface StreamHub {
  subscribe(listener: StreamListener): () => void;
  state: StreamState;
}

const StreamContext = createContext<StreamHub>({ subscribe: () => () => undefined, state: 'connecting' });

const RETRY_MS = 3000;

export function AlertStreamProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<StreamListener>());
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let everOpen = false;
    let stopped = false;
    const emit = (change: AlertChange | null) => {
      for (const listener of [...listeners.current]) listener(change);
    };
    const connect = () => {
      source = new EventSource('/api/v1/stream');
      source.onopen = () => {
        setState('live');
        if (everOpen) emit(null); // missed changes are not replayed: re-read
        everOpen = true;
      };
      for (const name of ['opened', 'changed', 'resolved']) {
        source.addEventListener(name, (event) => {
          try {
            emit(JSON.parse((event as MessageEvent<string>).data) as AlertChange);
          } catch {
            emit(null);
          }
        });
      }
      source.onerror = () => {
        if (stopped || !source) return;
        setState('reconnecting');
        // The browser retries by itself unless the answer was not a stream (a 401, a 502):
        // then ask whether the session still holds (a 401 signs out), and open a new one.
        if (source.readyState === EventSource.CLOSED) {
          source = null;
          window.clearTimeout(retry);
          retry = window.setTimeout(() => {
            api.me().then(
              () => !stopped && connect(),
              () => !stopped && (retry = window.setTimeout(connect, RETRY_MS)),
            );
          }, RETRY_MS);
        }
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }, []);

  const subscribe = useCallback((listener: StreamListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const hub = useMemo<StreamHub>(() => ({ state, subscribe }), [state, subscribe]);
  return <StreamContext.Provider value={hub}>{children}</StreamContext.Provider>;
}

/** Calls `listener` for every alert change (and with null after a reconnect) while mounted. */
export function useAlertStream(listener: StreamListener): StreamState {
  const hub = useContext(StreamContext);
  const latest = useRef(listener);
  latest.current = listener;
  const { subscribe } = hub;
  useEffect(() => subscribe((change) => latest.current(change)), [subscribe]);
  return hub.state;
}
