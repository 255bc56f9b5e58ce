import type { EpochMetrics } from '@piano-lstm/core';
import { formatTemplate } from '../filename-template';
import { improves, resolveMode, type CheckpointOptions } from '../supervised-options';
import type { TrainingCallback } from '../training-callback';
import { numbersOf, type Bookkeeping, type TrainingSession } from '../training-session';
import { LAST } from './interrupt-checkpoint';

/**
 * Keras ModelCheckpoint: after each epoch, a checkpoint named by the filename template when the
 * monitored value is strictly better than the best so far (or every epoch without saveBestOnly);
 * `best` and `latest` follow, old template checkpoints beyond keepLast go (never the best), and
 * `checkpoints/last` keeps every epoch resumable. Says what it did, as `verbose=1` does.
 */
export function modelCheckpoint(o: CheckpointOptions): TrainingCallback {
  const mode = resolveMode(o.monitor, o.mode);
  return {
    async onEpochEnd({ metrics }, session) {
      const { book } = session;
      const current = metrics[o.monitor];
      const before = book.best;
      // strictly better than the best so far, no min_delta (as Keras)
      const improved = current !== undefined && Number.isFinite(current) && improves(current, before, mode, 0);
      if (improved) book.best = current;
      let saved: string | undefined;
      if (!o.saveBestOnly || improved) {
        saved = await saveNamed(session, metrics, formatTemplate(o.filename, numbersOf(metrics)), improved, o.keepLast);
      } else if (o.saveLast) {
        await session.save(LAST, { epoch: metrics.epoch, step: 0, metrics });
        session.run.mark('latest', LAST);
      }
      session.log.info(checkpointLine(o.monitor, mode, metrics.epoch, { before, current, improved, saved }));
    },
  };
}

async function saveNamed(session: TrainingSession, metrics: EpochMetrics, name: string, improved: boolean, keepLast: number): Promise<string> {
  const { book, run } = session;
  if (improved) book.bestName = name;
  book.kept = [...book.kept.filter((k) => k !== name), name];
  await session.save(name, { epoch: metrics.epoch, step: 0, metrics });
  if (improved) run.mark('best', name);
  run.mark('latest', name);
  for (const old of pruned(book, keepLast)) run.removeCheckpoint(old);
  run.removeCheckpoint(LAST);
  return name;
}

/** Template checkpoints beyond the newest `keep` (never the best), taken off `book.kept`. */
function pruned(book: Bookkeeping, keep: number): string[] {
  const out: string[] = [];
  if (keep <= 0) return out;
  while (book.kept.length > keep) {
    const idx = book.kept.findIndex((k) => k !== book.bestName);
    if (idx < 0) break;
    out.push(...book.kept.splice(idx, 1));
  }
  return out;
}

/** `epoch 5: loss improved from 2.6100 to 2.4700, saved weights-…` / `epoch 6: loss did not improve from 2.4700`. */
export function checkpointLine(monitor: string, mode: 'min' | 'max', epoch: number, r: { before?: number; current?: number; improved: boolean; saved?: string }): string {
  // nothing seen yet is Keras' starting point: +inf when lower is better, -inf when higher is
  const f = (v: number | undefined) => (v === undefined ? (mode === 'min' ? 'inf' : '-inf') : v.toFixed(4));
  const what = r.improved ? `${monitor} improved from ${f(r.before)} to ${f(r.current)}` : `${monitor} did not improve from ${f(r.before)}`;
  return `epoch ${epoch}: ${what}${r.saved ? `, saved ${r.saved}` : ''}`;
}
