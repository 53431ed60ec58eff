/**
 * Client-side routes with the History API: a handful of paths, so no router
 * library. The api serves index.html for any path outside /api, so deep links
 * and reloads land here.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, search: url.searchParams };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of [...listeners]) listener();
  if (!options.replace) window.scrollTo(0, 0);
}

/** An anchor that navigates in the app (a modified click still opens a new tab). */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}

export type Route =
  | { page: 'alerts' }
  | { page: 'alert'; number: number }
  | { page: 'silences' }
  | { page: 'oncall' }
  | { page: 'rejected' }
  | { page: 'health' }
  | { page: 'tokens' }
  | { page: 'not-found' };

export function matchRoute(path: string): Route {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/' || trimmed === '/alerts') return { page: 'alerts' };
  const alert = /^\/alerts\/#?(\d+)$/.exec(trimmed);
  if (alert) return { page: 'alert', number: Number(alert[1]) };
  switch (trimmed) {
    case '/silences':
      return { page: 'silences' };
    case '/oncall':
      return { page: 'oncall' };
    case '/rejected':
      return { page: 'rejected' };
    case '/health':
      return { page: 'health' };
    case '/tokens':
      return { page: 'tokens' };
    default:
      return { page: 'not-found' };
  }
}
