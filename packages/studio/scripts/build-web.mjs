/* global console, process */
// Bundles the studio page into dist/web: index.html, app.css, app.js (the page, tfjs and the shared
// package code from source) and tfjs' wasm binaries, so the page works offline from the studio server.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const packages = path.resolve(pkg, '..');
const out = path.join(pkg, 'dist', 'web');
const require = createRequire(import.meta.url);

// Node built-ins and Node-only packages reached by shared modules only on Node paths (file primers,
// atomic writes, run-folder locks, tfjs-node, the native LSTM addon): the page never calls them, so they bundle as an
// object whose every use throws a clear error.
const NODE_ONLY = /^((node:)?(fs|path|os|crypto|child_process|worker_threads|url|util)|proper-lockfile|@tensorflow\/tfjs-node|@piano-lstm\/native-lstm)$/;
const nodeStub = {
  name: 'node-builtins',
  setup(build) {
    build.onResolve({ filter: NODE_ONLY }, (a) => ({ path: a.path, namespace: 'node-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
      contents: `module.exports = new Proxy({}, { get(_t, k) { if (k === '__esModule') return false; return () => { throw new Error(${JSON.stringify(a.path)} + '.' + String(k) + ' is not available in the browser'); }; } });`,
      loader: 'js',
    }));
  },
};

const alias = Object.fromEntries(['core', 'midi-io', 'model', 'generator'].map((p) => [`@piano-lstm/${p}`, path.join(packages, p, 'src', 'index.ts')]));

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [path.join(pkg, 'src', 'web', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: !process.env.STUDIO_DEBUG,
  sourcemap: false,
  legalComments: 'none',
  alias,
  plugins: [nodeStub],
  inject: [path.join(here, 'browser-buffer.mjs')],
  define: { 'process.env.NODE_ENV': '"production"' },
  tsconfig: path.join(pkg, 'tsconfig.web.json'),
  logLevel: 'warning',
  metafile: true,
});
for (const f of ['index.html', 'app.css']) fs.copyFileSync(path.join(pkg, 'src', 'web', f), path.join(out, f));
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasmDir, f), path.join(out, f));
const bytes = fs.statSync(path.join(out, 'app.js')).size;
console.log(`studio page: ${path.relative(process.cwd(), out)} (app.js ${(bytes / 1e6).toFixed(1)} MB)`);
if (process.env.STUDIO_META) fs.writeFileSync(process.env.STUDIO_META, JSON.stringify(result.metafile));
