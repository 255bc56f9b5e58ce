import { benchGeneration } from '@piano-lstm/generator';

export interface BenchOptions {
  json?: boolean;
  quick?: boolean;
}

/** One measured row: the bench command prints these as a table or JSON lines. */
export type BenchRow = Record<string, string | number | boolean | null>;

/**
 * ms/note of `window` (the notebook: re-read the 100-token window per note) and `stateful` (carry the
 * LSTM state, one step per note) on the seed-doc network, batch 1 and 16, with their ratio, all
 * measured in this one run.
 */
export async function benchGenerate(opts: BenchOptions): Promise<BenchRow[]> {
  return benchGeneration({ quick: opts.quick });
}
