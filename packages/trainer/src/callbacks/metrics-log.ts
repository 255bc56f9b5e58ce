import type { TrainingCallback } from '../training-callback';

/** Appends each epoch's metrics to the run's metrics.jsonl (and to the result's history). */
export function metricsLog(): TrainingCallback {
  return {
    onEpochEnd({ metrics }, session) {
      session.history.push(metrics);
      session.run.appendMetrics(metrics);
    },
  };
}
