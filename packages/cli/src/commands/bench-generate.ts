import { PianoLstmError } from '@piano-lstm/core';

export interface BenchOptions {
  json?: boolean;
  quick?: boolean;
}

/** One measured row: the bench command prints these as a table or JSON lines. */
export type BenchRow = Record<string, string | number | boolean | null>;

export async function benchGenerate(_opts: BenchOptions): Promise<BenchRow[]> {
  throw new PianoLstmError("'bench generate' is not built yet");
}
