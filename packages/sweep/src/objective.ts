import type { EpochMetrics } from '@piano-lstm/evaluation';

export const OBJECTIVE_METRICS = ['val_loss', 'loss', 'val_accuracy', 'accuracy'] as const;
export type ObjectiveMetric = (typeof OBJECTIVE_METRICS)[number];
export type ObjectiveMode = 'min' | 'max';

export interface Objective {
  metric: ObjectiveMetric;
  mode: ObjectiveMode;
}

export const DEFAULT_OBJECTIVE: Objective = { metric: 'val_loss', mode: 'min' };

export function defaultMode(metric: ObjectiveMetric): ObjectiveMode {
  return metric.endsWith('accuracy') ? 'max' : 'min';
}

/** The metric a run without a validation split is ranked by instead (it has no val_*). */
export function fallbackMetric(metric: ObjectiveMetric): ObjectiveMetric {
  return metric.startsWith('val_') ? (metric.slice(4) as ObjectiveMetric) : metric;
}

export interface ObjectiveValue {
  metric: ObjectiveMetric;
  value: number;
  epoch: number;
}

/** The best value of the objective over the run's epochs (falling back from val_* to the training metric). */
export function bestOf(epochs: readonly EpochMetrics[], objective: Objective): ObjectiveValue | null {
  for (const metric of [objective.metric, fallbackMetric(objective.metric)]) {
    let best: ObjectiveValue | null = null;
    for (const e of epochs) {
      const v = e[metric];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!best || (objective.mode === 'min' ? v < best.value : v > best.value)) best = { metric, value: v, epoch: e.epoch };
    }
    if (best) return best;
  }
  return null;
}

/** Sort key: better first, missing values last. */
export function compareObjective(a: number | null, b: number | null, mode: ObjectiveMode): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return mode === 'min' ? a - b : b - a;
}
