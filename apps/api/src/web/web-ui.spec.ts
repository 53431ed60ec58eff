import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { API_PATHS, fileUnder, findWebDist, registerWebUi } from './web-ui';

/** A built UI in a temporary folder: index.html, a hashed asset and an icon. */
function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

describe('the web UI paths', () => {
  it('finds files inside the built folder only', () => {
    const dist = fakeDist();
    writeFileSync(join(dist, '..', 'secret.txt'), 'secret');
    expect(fileUnder(dist, '/assets/index-abc123.js')).toBe(join('assets', 'index-abc123.js'));
    expect(fileUnder(dist, '/favicon.svg')).toBe('favicon.svg');
    for (const path of ['/', '/alerts/4711', '/assets', '/../secret.txt', '/assets/../../secret.txt', '/a\0b']) {
      expect([path, fileUnder(dist, path)]).toEqual([path, null]);
    }
  });

  it.each([
    ['/api/v1/alerts', true],
    ['/api', true],
    ['/healthz', true],
    ['/metrics/x', true],
    ['/apis', false],
    ['/alerts/4711', false],
    ['/', false],
  ])('%s belongs to the API: %s', (path, api) => {
    expect(API_PATHS.test(path)).toBe(api);
  });

  it('finds apps/web/dist from a folder below the repository, or nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'klaxon-repo-'));
    mkdirSync(join(root, 'apps/web/dist'), { recursive: true });
    writeFileSync(join(root, 'apps/web/dist/index.html'), '<!doctype html>');
    mkdirSync(join(root, 'dist/apps/api/apps/api/src/web'), { recursive: true });
    expect(findWebDist(join(root, 'dist/apps/api/apps/api/src/web'))).toBe(join(root, 'apps/web/dist'));
    expect(findWebDist(mkdtempSync(join(tmpdir(), 'klaxon-empty-')))).toBeNull();
  });
});

// Serving a built UI is covered end to end (test/web-ui.e2e-spec.ts): @fastify/static is an ES module Jest cannot load here.
describe('registerWebUi without a built UI', () => {
  let app: FastifyInstance;

  afterEach(async () => {
    await app.close();
  });

  it('still serves the API, keeps unknown /api paths JSON 404s, and / says how to build the UI', async () => {
    app = Fastify();
    app.get('/api/v1/known', async () => ({ ok: true }));
    expect(await registerWebUi(app, null)).toBe('not-built');
    // a real socket: fastify.inject needs an ES module Jest cannot load here
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(503);
    expect(await home.text()).toContain('not built');
    const unknown = await fetch(`${base}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /api/v1/nothing-here' });
    expect(await (await fetch(`${base}/api/v1/known`)).json()).toEqual({ ok: true });
  });
});
