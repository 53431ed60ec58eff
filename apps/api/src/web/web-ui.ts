import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `vite build` puts the UI (apps/web/dist), found from wherever this file runs (src or dist). */
export function findWebDist(from: string = __dirname): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps/web/dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Paths the UI never owns: the REST API and the probes answer (or 404) as JSON. */
export const API_PATHS = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/**
 * Serves the built web UI at `/` (SPEC §10): files under apps/web/dist as they
 * are (hashed assets cached for a year), and index.html for any other GET, so
 * client-side routes (`/alerts/42`, `/silences`) work as deep links and on
 * reload. Unknown `/api/...` paths stay a JSON 404. Without a built UI the api
 * still starts, and `/` says how to build it.
 */
export async function registerWebUi(fastify: FastifyInstance, distDir: string | null): Promise<'serving' | 'not-built'> {
  if (distDir === null) {
    fastify.get('/*', (req, reply) => {
      if (API_PATHS.test(pathOf(req))) return notFound(req, reply);
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The Klaxon web UI is not built. `npm start` builds it (or run `npm run build` in apps/web); the REST API is at /api/v1.\n');
    });
    return 'not-built';
  }
  const root = resolve(distDir);
  // Loaded only when there is a UI to serve (an ES module underneath, which Jest's CommonJS runtime cannot load).
  const { default: fastifyStatic } = await import('@fastify/static');
  // Registered in its own plugin context and not awaited here: awaiting a register loads the plugin queue at
  // once, before Nest installs its error handler, and the routes registered so far would keep Fastify's
  // default one (generic 413/415 messages). Fastify loads it with the rest when the app is ready.
  void fastify.register(async (ui) => {
    // serve: false only decorates reply.sendFile; the route below decides what each path gets.
    await ui.register(fastifyStatic, { root, serve: false, cacheControl: false });
    ui.get('/*', (req, reply) => {
      const path = pathOf(req);
      if (API_PATHS.test(path)) return notFound(req, reply);
      const file = fileUnder(root, path);
      if (file !== null) {
        const hashed = file.startsWith(`assets${sep}`) || file.startsWith('assets/');
        void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        return reply.sendFile(file);
      }
      void reply.header('cache-control', 'no-cache');
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    });
  });
  return 'serving';
}

function pathOf(req: FastifyRequest): string {
  const path = req.url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The file a path names inside `root` (relative to it), or null when there is none or it would leave root. */
export function fileUnder(root: string, path: string): string | null {
  if (path === '/' || path.includes('\0')) return null;
  const relative = normalize(path).replace(/^[/\\]+/, '');
  const absolute = resolve(root, relative);
  if (!absolute.startsWith(root + sep)) return null;
  try {
    return statSync(absolute).isFile() ? relative : null;
  } catch {
    return null;
  }
}

/** The same JSON 404 the api gives for any unknown route. */
function notFound(req: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(404)
    .type('application/json; charset=utf-8')
    .send({ statusCode: 404, error: 'Not Found', message: `Cannot ${req.method} ${req.url.split('?')[0]}` });
}
