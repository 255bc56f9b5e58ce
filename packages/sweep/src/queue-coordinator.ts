import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { QUEUE_REGISTRY, bullConnection, connectRedis, queueNameOf, type QueueSettings } from './queue-connection';
import { writeSweepReport } from './sweep-report';
import { readSweepState, unfinished, updateSweepState, type SweepState } from './sweep-state';
import { formatDuration } from '@piano-lstm/evaluation';
import { isFinished } from './trial-runner';

/** What a queued trial carries: where its sweep is under the runs folder (shared by every worker) and which trial. */
export interface TrialJob {
  sweep: string;
  trial: string;
}

export function jobIdOf(sweepDir: string, trial: string): string {
  return `${path.basename(sweepDir)}.${trial}`;
}

/**
 * Puts the sweep's unfinished trials on its queue (`sweep-<name>`), once each: a trial already
 * waiting or being trained is left alone, a failed one is queued again.
 */
export async function enqueueTrials(o: { settings: QueueSettings; dir: string; runsRoot: string }): Promise<{ queue: string; added: string[] }> {
  const rel = path.relative(path.resolve(o.runsRoot), o.dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new InputError(`with --queue the sweep folder ${o.dir} must be inside --runs ${o.runsRoot}: workers find it there (a shared mount)`);
  const state = readSweepState(o.dir);
  const name = queueNameOf(state.name);
  const redis = await connectRedis(o.settings.url);
  const { Queue } = await import('bullmq');
  const queue = new Queue<TrialJob>(name, { connection: bullConnection(o.settings.url) });
  const added: string[] = [];
  try {
    await redis.sadd(QUEUE_REGISTRY, name);
    for (const t of unfinished(state)) {
      const jobId = jobIdOf(o.dir, t.id);
      const old = await queue.getJob(jobId);
      const st = old ? await old.getState() : undefined;
      if (st && ['active', 'waiting', 'delayed', 'prioritized'].includes(st)) continue;
      if (old) await old.remove();
      await queue.add('trial', { sweep: rel.split(path.sep).join('/'), trial: t.id }, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
      added.push(t.id);
    }
    await updateSweepState(o.dir, (s) => {
      for (const t of s.trials) if (added.includes(t.id)) t.status = 'pending';
    });
  } finally {
    await queue.close();
    redis.disconnect();
  }
  return { queue: name, added };
}

/**
 * Follows a queued sweep until every trial is done or failed, printing each change. It also runs
 * BullMQ's stalled-job check, so a trial whose worker died goes back to the queue even when no other
 * worker is busy. Ctrl-C stops following; the trials stay queued.
 */
export async function followSweep(o: { settings: QueueSettings; dir: string; out(line: string): void; onInterrupt(h: () => void): () => void }): Promise<{ interrupted: boolean; failed: number }> {
  const state0 = readSweepState(o.dir);
  const name = queueNameOf(state0.name);
  const { Queue, Worker } = await import('bullmq');
  const connection = bullConnection(o.settings.url);
  const queue = new Queue<TrialJob>(name, { connection });
  const checker = new Worker<TrialJob>(name, null, { connection, autorun: false, lockDuration: o.settings.lockMs, stalledInterval: o.settings.stalledMs, maxStalledCount: o.settings.maxStalled });
  checker.on('error', () => undefined);
  void checker.startStalledCheckTimer().catch(() => undefined);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let interrupted = false;
  const dispose = o.onInterrupt(() => {
    interrupted = true;
    stop();
  });
  const t0 = Date.now();
  const seen = new Map<string, string>();
  try {
    for (;;) {
      await markLostToQueue(queue, o.dir);
      const state = readSweepState(o.dir);
      for (const line of changes(state, seen, await progressOf(queue, o.dir, state))) o.out(line);
      if (isFinished(state) || interrupted) break;
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    dispose();
    await checker.close(true).catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
  const state = readSweepState(o.dir);
  if (!interrupted) o.out(`all ${state.trials.length} trials finished in ${formatDuration((Date.now() - t0) / 1000)}`);
  if (isFinished(state)) writeSweepReport(o.dir);
  return { interrupted, failed: state.trials.filter((t) => t.status === 'failed').length };
}

/** A trial BullMQ gave up on (stalled too often) never reached a worker's bookkeeping: record it as failed. */
async function markLostToQueue(queue: { getJob(id: string): Promise<{ getState(): Promise<string>; failedReason?: string } | undefined> }, dir: string): Promise<void> {
  const state = readSweepState(dir);
  const lost: { id: string; reason: string }[] = [];
  for (const t of state.trials) {
    if (t.status === 'done' || t.status === 'failed') continue;
    const job = await queue.getJob(jobIdOf(dir, t.id));
    if (job && (await job.getState()) === 'failed') lost.push({ id: t.id, reason: job.failedReason ?? 'failed in the queue' });
  }
  if (!lost.length) return;
  await updateSweepState(dir, (s) => {
    for (const l of lost) {
      const t = s.trials.find((x) => x.id === l.id)!;
      if (t.status !== 'done') Object.assign(t, { status: 'failed', error: `queue: ${l.reason}` });
    }
  });
}

async function progressOf(queue: { getJob(id: string): Promise<{ progress: unknown } | undefined> }, dir: string, state: SweepState): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of state.trials.filter((x) => x.status === 'running')) {
    const p = (await queue.getJob(jobIdOf(dir, t.id)))?.progress as { epoch?: number } | undefined;
    if (p && typeof p.epoch === 'number') out.set(t.id, p.epoch);
  }
  return out;
}

function changes(state: SweepState, seen: Map<string, string>, epochs: Map<string, number>): string[] {
  const lines: string[] = [];
  for (const t of state.trials) {
    const by = t.attempts[t.attempts.length - 1]?.by;
    const key = `${t.status}|${t.attempts.length}|${epochs.get(t.id) ?? ''}`;
    if (seen.get(t.id) === key) continue;
    const before = seen.get(t.id);
    seen.set(t.id, key);
    if (before === undefined && t.status === 'pending') continue;
    if (t.status === 'running') lines.push(epochs.has(t.id) ? `${t.id} epoch ${epochs.get(t.id)} done (${by})` : `${t.id} running on ${by}${t.attempts.length > 1 ? ` (attempt ${t.attempts.length})` : ''}`);
    else if (t.status === 'done') lines.push(`${t.id} done${t.objective ? `: ${t.objective.metric} ${t.objective.value.toFixed(4)} (epoch ${t.objective.epoch})` : ''} (${by})`);
    else if (t.status === 'failed') lines.push(`${t.id} failed: ${t.error}`);
    else lines.push(`${t.id} back in the queue`);
  }
  return lines;
}
