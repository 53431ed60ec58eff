import { defineConfig } from 'vite';

/**
 * The on-call UI. No @vitejs/plugin-react (STACK-NOTES: it clashes with the
 * root's jest over @babel/core); Vite 8's oxc transform compiles TSX with
 * React's automatic runtime by itself. `npm run dev` proxies /api to an api
 * on :3000 (PORT), so the UI is always same-origin with the REST API.
 */
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
