import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import type { Job, Worker } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import type { TrialJob } from './queue-coordinator';
import { QUEUE_REGISTRY, bullConnection, connectRedis, queueNameOf, redactUrl, type QueueSettings } from './queue-connection';
import { writeSweepReport } from './sweep-report';
import { isSweepFolder, whoAmI } from './sweep-state';
import type { RunningTrial, TrialLauncher } from './trial-process';
import { describeSet, runTrialRecorded, trialLine } from './trial-runner';

export interface WorkerOptions {
  settings: QueueSettings;
  runsRoot: string;
  /** Only this sweep's queue; default: every sweep queue registered on this Redis. */
  sweep?: string;
  launcher: TrialLauncher;
  out(line: string): void;
  onInterrupt(h: () => void): () => void;
}

/**
 * Takes trials from the sweep queues one at a time and trains each in a child process, until Ctrl-C.
 * Ctrl-C while training: the trial checkpoints, its job goes back to the queue, the worker returns 130.
 * A worker that is killed loses nothing: its job's lock runs out and any live worker (or the sweep
 * following the queue) puts the trial back; the next worker resumes it from its last checkpoint.
 */
export async function runWorker(o: WorkerOptions): Promise<number> {
  const redis = await connectRedis(o.settings.url);
  const queues = new SweepQueues(o, redis);
  const token = `${whoAmI()}:${randomUUID()}`;
  let stopping = false;
  let current: RunningTrial | undefined;
  let wake: () => void = () => undefined;
  const dispose = o.onInterrupt(() => {
    if (!stopping) o.out(current ? 'stopping: the trial checkpoints and goes back to the queue… (Ctrl-C again to stop it at once)' : 'stopping');
    stopping = true;
    current?.interrupt();
    wake();
  });
  o.out(`worker ${whoAmI()} taking trials from ${redactUrl(o.settings.url)}${o.sweep ? ` (sweep ${o.sweep})` : ''}; runs folder ${o.runsRoot}`);
  let idleSaid = false;
  try {
    while (!stopping) {
      const job = await queues.next(token, () => stopping);
      if (job && stopping) {
        await job.moveToWait(token); // Ctrl-C came while it was being fetched: hand it straight back
        break;
      }
      if (job) {
        idleSaid = false;
        const code = await processJob(job, token, o, (t) => {
          current = t;
          if (stopping) t.interrupt();
        });
        current = undefined;
        if (code !== 0) return code;
        continue;
      }
      if (!idleSaid) o.out('waiting for trials…');
      idleSaid = true;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    return 130;
  } finally {
    dispose();
    await queues.close();
    redis.disconnect();
  }
}

/**
 * The sweep queues this worker takes from: every queue in the registry (new sweeps are found within
 * seconds) or one sweep's. Each has a BullMQ Worker used for manual fetching and stalled-job checks.
 */
class SweepQueues {
  private readonly workers = new Map<string, Worker<TrialJob>>();
  private lastRefresh = 0;

  constructor(
    private readonly o: WorkerOptions,
    private readonly redis: RedisClient,
  ) {}

  /** The next waiting trial of any queue, without blocking. */
  async next(token: string, stop: () => boolean): Promise<Job<TrialJob> | undefined> {
    if (Date.now() - this.lastRefresh > 5000) await this.refresh();
    for (const w of this.workers.values()) {
      const job = await w.getNextJob(token, { block: false });
      if (job || stop()) return job ?? undefined;
    }
    return undefined;
  }

  private async refresh(): Promise<void> {
    const { Worker } = await import('bullmq');
    const s = this.o.settings;
    const names = this.o.sweep ? [queueNameOf(this.o.sweep)] : (await this.redis.smembers(QUEUE_REGISTRY)).sort();
    for (const name of names) {
      if (this.workers.has(name)) continue;
      const w = new Worker<TrialJob>(name, null, { connection: bullConnection(s.url), autorun: false, lockDuration: s.lockMs, stalledInterval: s.stalledMs, maxStalledCount: s.maxStalled });
      w.on('error', () => undefined);
      void w.startStalledCheckTimer().catch(() => undefined);
      this.workers.set(name, w);
    }
    this.lastRefresh = Date.now();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close(true).catch(() => undefined)));
  }
}

async function processJob(job: Job<TrialJob>, token: string, o: WorkerOptions, setCurrent: (t: RunningTrial) => void): Promise<number> {
  const sweepDir = path.join(o.runsRoot, ...job.data.sweep.split('/'));
  if (!isSweepFolder(sweepDir)) {
    await job.moveToWait(token);
    throw new InputError(`sweep folder ${job.data.sweep} is not under --runs ${o.runsRoot} on this machine; give the runs folder the sweep host writes to (a shared mount)`);
  }
  const keepLock = setInterval(() => void job.extendLock(token, o.settings.lockMs).catch(() => undefined), Math.max(250, o.settings.lockMs / 3));
  const t0 = Date.now();
  try {
    const r = await runTrialRecorded(sweepDir, job.data.trial, o.launcher, {
      onStart: (t, trial) => {
        setCurrent(t);
        o.out(`${job.data.sweep} ${trial.id} ${t.resumed ? 'resumed' : 'started'}: ${describeSet(trial)}`);
      },
      onEpoch: (epoch) => {
        o.out(`${job.data.trial} epoch ${epoch} done`);
        void job.updateProgress({ epoch }).catch(() => undefined);
      },
    });
    o.out(trialLine(r, (Date.now() - t0) / 1000));
    clearInterval(keepLock);
    if (r.trial.status === 'done') {
      await job.moveToCompleted({ trial: r.trial.id, objective: r.trial.objective }, token, false);
      if (r.sweepFinished) o.out(`sweep report: ${writeSweepReport(sweepDir)}`);
      return 0;
    }
    if (r.outcome.interrupted) {
      await job.moveToWait(token); // released, not failed: the next worker resumes it from its checkpoint
      o.out(`${r.trial.id} released back to the queue`);
      return 130;
    }
    await job.moveToFailed(new Error(r.trial.error ?? 'failed'), token, false);
    if (r.sweepFinished) o.out(`sweep report: ${writeSweepReport(sweepDir)}`);
    return 0;
  } finally {
    clearInterval(keepLock);
  }
}
