import { RUN_FILES, RunFolder } from '@piano-lstm/core';
import { BaselineComparison, BaselineOptions, Baselines, compareWithBaselines, computeBaselines, ModelScore, ScoredPositions } from './baselines';
import { marginText } from './report-margin';

/** Name of the held-out evaluation file in a run folder. */
export const EVALUATION_FILE = RUN_FILES.evaluation;

/** What `evaluation.json` holds: the baselines on the run's validation split and the model next to them. */
export interface RunEvaluation {
  /** The backend the model trained on (`node`, `wasm`, `cpu`, or a plugin's). */
  backend?: string;
  baselines: Baselines;
  comparison: BaselineComparison;
  /** The model's surprise along one validation piece (per scored position), from the best checkpoint. */
  surprise?: Surprise;
}

/** −ln p of each scored token of one validation piece under the model. */
export interface Surprise {
  /** Display path of the piece. */
  piece: string;
  /** Index of each scored token in the piece. */
  positions: number[];
  tokens: string[];
  nats: number[];
}

/**
 * For the trainer at the end of training: baselines fitted on the training pieces' tokens, scored on
 * the validation pieces' tokens, and the model's validation loss/accuracy compared with them.
 */
export function evaluateHeldOut(
  trainSeqs: readonly (readonly string[])[],
  valSeqs: readonly (readonly string[])[],
  model: ModelScore,
  options: Partial<BaselineOptions> & ScoredPositions & { backend?: string; surprise?: Surprise } = {},
): RunEvaluation {
  const { backend, surprise, ...baselineOptions } = options;
  const baselines = computeBaselines(trainSeqs, valSeqs, baselineOptions);
  return { ...(backend ? { backend } : {}), baselines, comparison: compareWithBaselines(model, baselines), ...(surprise ? { surprise } : {}) };
}

/** Writes `evaluation.json` atomically (replacing an older one) and returns its path. */
export function writeRunEvaluation(runDir: string, evaluation: RunEvaluation): string {
  const run = RunFolder.at(runDir);
  run.writeJson('evaluation', evaluation);
  return run.file('evaluation');
}

/** One line per model/baseline for the terminal, e.g. at the end of training. */
export function formatComparison(c: BaselineComparison): string[] {
  const f = (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits));
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const lines = [
    `validation cross-entropy (nats/token) and accuracy on ${c.kneser_ney.tokens} tokens:`,
    `  model             ${f(c.model.nats_per_token).padStart(8)}  ${pct(c.model.accuracy).padStart(6)}`,
    `  ${`${c.kneser_ney.n}-gram Kneser-Ney`.padEnd(17)} ${f(c.kneser_ney.nats_per_token).padStart(8)}  ${pct(c.kneser_ney.accuracy).padStart(6)}`,
    `  unigram           ${f(c.unigram.nats_per_token).padStart(8)}  ${pct(c.unigram.accuracy).padStart(6)}`,
  ];
  const margin = marginText(c);
  if (margin) lines.push(margin);
  if (c.flag) lines.push(`warning: ${c.flag}`);
  return lines;
}
