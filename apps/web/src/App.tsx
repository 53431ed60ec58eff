import { useEffect, useRef, useState } from 'react';
import { api, whenSessionEnds, type SignedInUser } from './api';
import { Link, matchRoute, navigate, useLocation, type Route } from './router';
import { AlertStreamProvider, useAlertStream } from './stream';
import { AlertListPage } from './pages/AlertListPage';
import { AlertPage } from './pages/AlertPage';
import { DeliveryHealthPage } from './pages/DeliveryHealthPage';
import { OnCallPage } from './pages/OnCallPage';
import { RejectedPage } from './pages/RejectedPage';
import { SignInPage } from './pages/SignInPage';
import { SilencesPage } from './pages/SilencesPage';
import { TokensPage } from './pages/TokensPage';

type Session = { state: 'loading' } | { state: 'signed-out'; expired: boolean } | { state: 'signed-in'; user: SignedInUser };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });

  useEffect(() => {
    // Any 401 (an expired or revoked session) returns to the sign-in form; the page asked for stays in the address bar.
    whenSessionEnds(() => setSession((s) => (s.state === 'signed-in' ? { state: 'signed-out', expired: true } : s)));
    api.me().then(
      ({ user }) => setSession({ state: 'signed-in', user }),
      () => setSession({ state: 'signed-out', expired: false }),
    );
  }, []);

  if (session.state === 'loading') {
    return (
      <main className="centered" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (session.state === 'signed-out') {
    return <SignInPage expired={session.expired} onSignedIn={(user) => setSession({ state: 'signed-in', user })} />;
  }
  return (
    <AlertStreamProvider>
      <Shell user={session.user} onSignedOut={() => setSession({ state: 'signed-out', expired: false })} />
    </AlertStreamProvider>
  );
}

const NAV: { to: string; label: string; pages: Route['page'][] }[] = [
  { to: '/', label: 'Alerts', pages: ['alerts', 'alert'] },
  { to: '/silences', label: 'Silences', pages: ['silences'] },
  { to: '/oncall', label: 'On call', pages: ['oncall'] },
  { to: '/rejected', label: 'Rejected', pages: ['rejected'] },
  { to: '/health', label: 'Health', pages: ['health'] },
  { to: '/tokens', label: 'Tokens', pages: ['tokens'] },
];

function Shell({ user, onSignedOut }: { user: SignedInUser; onSignedOut: () => void }) {
  const { path, search } = useLocation();
  const route = matchRoute(path);
  const streamState = useAlertStream(() => undefined);
  const [signingOut, setSigningOut] = useState(false);

  // After navigating, keyboard and screen-reader users start at the new page, not at a link that is gone.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  const signOut = async () => {
    setSigningOut(true);
    try {
      await api.logout();
    } catch {
      // signed out on this side whatever the answer: the cookie is cleared by the api, or already gone
    }
    navigate('/', { replace: true });
    onSignedOut();
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Klaxon, open alerts">
          <span className="brand-dot" aria-hidden="true" />
          Klaxon
        </Link>
        <span className={`live live-${streamState}`} role="status" title="Live updates">
          {streamState === 'live' ? 'Live' : streamState === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <span className="whoami" title={user.email ?? user.id}>
          {user.name}
        </span>
        <button type="button" className="btn btn-quiet signout" onClick={() => void signOut()} disabled={signingOut}>
          Sign out
        </button>
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} search={search} />
      </main>
    </>
  );
}

function Page({ route, search }: { route: Route; search: URLSearchParams }) {
  switch (route.page) {
    case 'alerts':
      return <AlertListPage search={search} />;
    case 'alert':
      return <AlertPage key={route.number} number={route.number} />;
    case 'silences':
      return <SilencesPage search={search} />;
    case 'oncall':
      return <OnCallPage />;
    case 'rejected':
      return <RejectedPage />;
    case 'health':
      return <DeliveryHealthPage />;
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return (
        <section className="page">
          <h1>Not found</h1>
          <p>
            Nothing lives at this address. <Link to="/">Back to the open alerts</Link>.
          </p>
        </section>
      );
  }
}
