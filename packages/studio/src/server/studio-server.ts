import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { listRuns, readMetrics, readRun, runDirOf } from './run-folder-access';
import { fileInside, isInside, pathSegments, UnsafePathError } from './safe-path';

/** What the server asks the CLI for: the run's own NoteSource, which only the CLI can build. */
export interface StudioCorpusAccess {
  /** Tokens of every piece the run's source loads (what `generate`'s random-window primer draws from). */
  trainingPieces(runDir: string): Promise<string[][]>;
  /** Tokens of a MIDI file parsed the way the run parsed its corpus (the `--primer file.mid` path). */
  parsePrimer(runDir: string, midi: Uint8Array): Promise<string[]>;
}

export interface StudioServerOptions {
  runsDir: string;
  /** The built page: index.html, app.js, the tfjs wasm binaries. */
  webDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  corpus?: StudioCorpusAccess;
}

export interface StudioServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** The page loads scripts, styles, wasm and data from this server only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.wasm': 'application/wasm',
  '.mid': 'audio/midi',
  '.midi': 'audio/midi',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const RUN_ACTIONS = new Set(['details', 'metrics', 'files', 'training-pieces', 'primer']);
/** An uploaded primer larger than this is refused (MIDI files are small). */
const MAX_PRIMER_BYTES = 2 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/** Starts the studio on `host:port` (default 127.0.0.1, a free port) and resolves once it listens. */
export async function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const runsDir = path.resolve(options.runsDir);
  const webDir = path.resolve(options.webDir);
  let port = 0;
  const server = http.createServer((req, res) => {
    handle(req, res, { runsDir, webDir, host, port: () => port, corpus: options.corpus }).catch((e) => sendError(res, e));
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Context {
  runsDir: string;
  webDir: string;
  host: string;
  port: () => number;
  corpus?: StudioCorpusAccess;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context): Promise<void> {
  // A page on another site could make the browser talk to a loopback server (DNS rebinding): a
  // loopback studio answers only requests addressed to a loopback name.
  if (isLoopback(ctx.host) && !hostAllowed(req.headers.host, ctx.port())) throw new HttpError(421, 'requests must address this server by a loopback name');
  const rawPath = (req.url ?? '/').split('?')[0];
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'bad request path');
  const segments = pathSegments(rawPath);
  if (segments[0] === 'api') return handleApi(req, res, segments.slice(1), ctx);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
  const name = segments.length === 0 ? 'index.html' : segments.length === 1 ? segments[0] : undefined;
  const file = name ? fileInside(ctx.webDir, [name]) : undefined;
  if (!file) throw new HttpError(404, `no such page: ${rawPath}`);
  await sendFile(res, file);
}

function hostAllowed(header: string | undefined, port: number): boolean {
  if (!header) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (!m) return false;
  const name = m[1].replace(/^\[|\]$/g, '');
  return isLoopback(name) && (m[2] === undefined || Number(m[2]) === port);
}

async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, segments: string[], ctx: Context): Promise<void> {
  if (segments.length === 1 && segments[0] === 'runs' && req.method === 'GET') return sendJson(res, { runs: listRuns(ctx.runsDir) });
  if (segments[0] !== 'runs') throw new HttpError(404, `no such API route: /api/${segments.join('/')}`);
  const { dir, action, rest } = splitRunRoute(ctx.runsDir, segments.slice(1));
  const isPost = req.method === 'POST';
  if (isPost !== (action === 'primer')) throw new HttpError(405, 'method not allowed');
  switch (action) {
    case 'details':
      return sendJson(res, readRun(ctx.runsDir, dir));
    case 'metrics':
      return sendJson(res, { metrics: readMetrics(dir) });
    case 'files': {
      const file = fileInside(dir, rest);
      if (!file) throw new HttpError(404, `no such file in the run: ${rest.join('/')}`);
      return sendFile(res, file);
    }
    case 'training-pieces':
      if (!ctx.corpus) throw new HttpError(404, 'this server cannot read training data');
      return sendJson(res, { pieces: await ctx.corpus.trainingPieces(dir) });
    default: {
      if (!ctx.corpus) throw new HttpError(404, 'this server cannot parse MIDI primers');
      const body = await readBody(req, MAX_PRIMER_BYTES);
      return sendJson(res, { tokens: await ctx.corpus.parsePrimer(dir, body) });
    }
  }
}

/** `<run id…>/<action>/<rest…>`: the run id is the shortest prefix naming a run folder. */
function splitRunRoute(runsDir: string, segments: string[]): { dir: string; action: string; rest: string[] } {
  for (let i = 1; i < segments.length; i++) {
    if (!RUN_ACTIONS.has(segments[i])) continue;
    const dir = runDirOf(runsDir, segments.slice(0, i).join('/'));
    if (!dir) continue;
    // a symlinked run folder leading outside the runs folder is not served
    if (!isInside(fs.realpathSync(runsDir), fs.realpathSync(dir))) throw new HttpError(404, 'no such run');
    const rest = segments.slice(i + 1);
    if (segments[i] !== 'files' && rest.length > 0) break;
    return { dir, action: segments[i], rest };
  }
  throw new HttpError(404, `no such run route: /api/runs/${segments.join('/')}`);
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the upload is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function securityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
  securityHeaders(res);
  res.writeHead(status, { 'Content-Type': TYPES['.json'] });
  res.end(JSON.stringify(body));
}

async function sendFile(res: http.ServerResponse, file: string): Promise<void> {
  // read whole (files here are small): a file replaced or removed mid-read fails here, not mid-response
  const data = await fs.promises.readFile(file);
  securityHeaders(res);
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': data.length });
  res.end(data);
}

function sendError(res: http.ServerResponse, e: unknown): void {
  const code = (e as NodeJS.ErrnoException).code;
  const status = e instanceof HttpError ? e.status : e instanceof UnsafePathError ? 400 : code === 'ENOENT' || code === 'ENOTDIR' ? 404 : isInputError(e) ? 400 : 500;
  const message = (e as Error).message?.split('\n')[0] ?? String(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, { error: message }, status);
}

/** The CLI's InputError (bad primer file, unreadable corpus) is the client's problem, not the server's. */
function isInputError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { exitCode?: unknown }).exitCode === 2;
}
