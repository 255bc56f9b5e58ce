import { InputError, PianoLstmError } from '@piano-lstm/core';
import type { Redis as RedisClient } from 'ioredis';

/** Timings of the queue, overridable for tests (short stall detection) through the environment. */
export interface QueueSettings {
  url: string;
  /** How long a trial's job lock lives without renewal: a killed worker's trial is given away after this. */
  lockMs: number;
  /** How often workers look for stalled jobs (trials of dead workers). */
  stalledMs: number;
  /** A trial stalled more often than this is failed instead of retried. */
  maxStalled: number;
}

/** The Redis set listing the sweep queues, so workers find sweeps started after them. */
export const QUEUE_REGISTRY = 'piano-lstm:sweep-queues';

export function queueSettings(url: string, env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const num = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InputError(`${name}=${v}: expected a positive whole number of milliseconds`);
    return n;
  };
  return { url, lockMs: num('PIANO_LSTM_QUEUE_LOCK_MS', 30_000), stalledMs: num('PIANO_LSTM_QUEUE_STALLED_MS', 30_000), maxStalled: num('PIANO_LSTM_QUEUE_MAX_STALLED', 5) };
}

/** `sweep-<name>`: one queue per sweep name (BullMQ queue names may not contain ':'). */
export function queueNameOf(sweepName: string): string {
  return `sweep-${sweepName}`;
}

/** The URL as shown in messages and the sweep's state: a password never leaves the command line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

export function checkQueueUrl(url: string): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || !['redis:', 'rediss:'].includes(u.protocol) || !u.hostname) {
    throw new InputError(`--queue ${url}: expected a Redis URL such as redis://127.0.0.1:6379`);
  }
}

/**
 * Connects once, failing fast with one line when Redis is not there (ioredis would otherwise retry
 * forever in silence). Returns a client for the registry; BullMQ opens its own connections.
 */
export async function connectRedis(url: string): Promise<RedisClient> {
  checkQueueUrl(url);
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  let cause: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => (cause ??= e)); // reported below, once
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    const err = cause ?? (e as NodeJS.ErrnoException);
    const why = err.code ?? err.message.split('\n')[0];
    throw new PianoLstmError(
      `cannot connect to Redis at ${redactUrl(url)} (${why}); start one with 'apt-get install redis-server' (Debian/Ubuntu) or 'docker run -d -p 6379:6379 redis:7' (the official image), or fix --queue`,
    );
  }
  return client;
}

/** BullMQ's own connections: retry forever once up (a Redis restart must not kill a long sweep). */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}
