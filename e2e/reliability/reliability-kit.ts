import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliResult, repoRoot } from '../helpers/cli';

export const cliBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'piano-lstm.js');

/** The tiny experiment (builtin corpus, one 16-unit LSTM): a run takes a couple of seconds. */
export const TINY_YAML = `name: tiny
seed: 7
source: { type: music21, paths: [builtin:classical-mini] }
encoder: { type: embedding, options: { sequenceLength: 16 } }
model: { type: lstm, options: { layers: [16], dense: 16 } }
trainer: { type: supervised, options: { epochs: 1, batchSize: 16, maxSteps: 3 } }
sampler: { type: argmax }
generate: { length: 24 }
sink: { type: seed-midi }
`;

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run through another program first, e.g. ['unshare', …, '--'] (the CLI follows it). */
  wrap?: string[];
}

/** Starts the built CLI without waiting, so a test can watch its output and signal it. */
export function spawnCli(args: string[], options: SpawnOptions = {}): ChildProcess & { out: () => string; err: () => string; done: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  const argv = [...(options.wrap ?? []), process.execPath, cliBin, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    }),
  );
  return Object.assign(child, { out: () => stdout, err: () => stderr, done });
}

export async function runCliAsync(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** Runs jobs with at most `limit` at once (the machine has two cores; CLI start-up is mostly waiting). */
export async function inParallel<T, R>(items: readonly T[], limit: number, job: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Resolves once `predicate` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 120_000, everyMs = 25): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The run folder a train/run command printed on stdout. */
export function runFolderOf(stdout: string): string | undefined {
  return /^run folder: (.+)$/m.exec(stdout)?.[1];
}

let unshareWorks: boolean | undefined;

/**
 * Whether this machine lets an unprivileged user namespace mount a tmpfs (how the tests make a
 * read-only or full disk without root). CI containers without it skip those tests.
 */
export function canMountTmpfs(): boolean {
  if (unshareWorks === undefined) {
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /tmp'], { encoding: 'utf8' });
    unshareWorks = r.status === 0;
  }
  return unshareWorks;
}

/** Prefix for spawnCli's `wrap`: run with a fresh tmpfs (`options`: e.g. `size=256k` or `ro`) mounted over `dir`. */
export function withTmpfs(dir: string, options: string): string[] {
  return ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ${options} tmpfs "$0" && exec "$@"`, dir];
}

/** Lists a folder tree as relative paths (sorted), for before/after comparisons. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Follows a child's peak resident set (VmHWM, Linux) while it runs; the last reading before it
 * exits is its peak. Returns a getter in MB (0 where /proc is missing).
 */
export function watchPeakRss(pid: number, everyMs = 50): { peakMb: () => number; stop: () => void } {
  let peakKb = 0;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, everyMs);
  read();
  return { peakMb: () => peakKb / 1024, stop: () => clearInterval(timer) };
}
