import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import type { Job, Worker } from 'bullmq';
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
  const { Worker } = await import('bullmq');
  const token = `${whoAmI()}:${randomUUID()}`;
  const workers = new Map<string, Worker<TrialJob>>();
  let stopping = false;
  let current: RunningTrial | undefined;
  let wake: () => void = () => undefined;
  const dispose = o.onInterrupt(() => {
    if (!stopping) o.out(current ? 'stopping: the trial checkpoints and goes back to the queue… (Ctrl-C again to stop it at once)' : 'stopping');
    stopping = true;
    current?.interrupt();
    wake();
  });
  const refresh = async () => {
    const names = o.sweep ? [queueNameOf(o.sweep)] : (await redis.smembers(QUEUE_REGISTRY)).sort();
    for (const name of names) {
      if (workers.has(name)) continue;
      const w = new Worker<TrialJob>(name, null, { connection: bullConnection(o.settings.url), autorun: false, lockDuration: o.settings.lockMs, stalledInterval: o.settings.stalledMs, maxStalledCount: o.settings.maxStalled });
      w.on('error', () => undefined);
      void w.startStalledCheckTimer().catch(() => undefined);
      workers.set(name, w);
    }
  };
  o.out(`worker ${whoAmI()} taking trials from ${redactUrl(o.settings.url)}${o.sweep ? ` (sweep ${o.sweep})` : ''}; runs folder ${o.runsRoot}`);
  let idleSaid = false;
  let lastRefresh = 0;
  try {
    while (!stopping) {
      if (Date.now() - lastRefresh > 5000) {
        await refresh();
        lastRefresh = Date.now();
      }
      let job: Job<TrialJob> | undefined;
      for (const w of workers.values()) {
        job = (await w.getNextJob(token, { block: false })) ?? undefined;
        if (job || stopping) break;
      }
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
    await Promise.all([...workers.values()].map((w) => w.close(true).catch(() => undefined)));
    redis.disconnect();
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
