import { Rng, silentLogger, type Encoder, type GenerateMode, type Logger } from '@piano-lstm/core';
import { initBackend, SeedScalarEncoder } from '@piano-lstm/model';
import { seedDocModel, type TrainBenchConfig } from '@piano-lstm/model/bench';
import { generateTokenIds } from '../generate-tokens';
import { ModelStepper } from '../inference/model-stepper';
import { ArgmaxSampler } from '../samplers/samplers';

/** The notebook corpus' vocabulary size (the article's Final Fantasy MIDI set), so the output layer is the notebook's. */
export const SEED_VOCAB = 358;
export const SEED_WINDOW = 100;

export interface GenerationBenchRow {
  model: string;
  lstm: string;
  batch: number;
  window_ms_per_note: number;
  stateful_ms_per_note: number;
  /** window ÷ stateful, both measured in this run. */
  speedup: number;
  /** Reading the primer once (stateful), ms per piece. */
  prime_ms: number;
  [key: string]: string | number;
}

export interface GenerationBenchOptions {
  quick?: boolean;
  batches?: number[];
  lstm?: TrainBenchConfig['impl'][];
  log?: Logger;
}

/**
 * ms/note of `window` (the notebook: the whole 100-step window per note) and `stateful` (one step per
 * note) on the seed-doc network, at each batch size, measured side by side in one process. Per-note
 * time is the difference between a long and a one-token generation, so loading the primer and
 * building the twin do not count; `prime_ms` reports the primer read on its own.
 */
export async function benchGeneration(o: GenerationBenchOptions = {}): Promise<GenerationBenchRow[]> {
  const log = o.log ?? silentLogger;
  const backend = await initBackend('auto', log);
  const batches = o.batches ?? [1, 16];
  // Stock layers first: the fused layer registers faster wasm kernels process-wide.
  const kinds = o.lstm ?? ['layers-stock', 'fused'];
  const notes = o.quick ? { window: 2, stateful: 20, repeats: 1 } : { window: 3, stateful: 50, repeats: 3 };
  const encoder = new SeedScalarEncoder({ sequenceLength: SEED_WINDOW, stride: 1, crossPieces: true });
  encoder.restore(Array.from({ length: SEED_VOCAB }, (_, i) => `t${String(i).padStart(3, '0')}`));
  const rows: GenerationBenchRow[] = [];
  for (const kind of kinds) {
    const model = seedDocModel(kind, SEED_WINDOW, SEED_VOCAB);
    const stepper = ModelStepper.fromModel(model);
    try {
      for (const batch of batches) {
        const rng = new Rng(batch);
        const primers = Array.from({ length: batch }, () => Array.from({ length: SEED_WINDOW }, () => rng.int(SEED_VOCAB)));
        const timing = { primeMs: 0, notesMs: 0 };
        const run = async (mode: GenerateMode, length: number) => {
          await generateTokenIds(model, encoder as Encoder, { primers, length, mode, sampler: new ArgmaxSampler({}), rngs: primers.map((_, i) => new Rng(i)), stepper, timing });
          return { ...timing };
        };
        await run('window', 1); // warm-up: kernels compiled, weights uploaded
        await run('stateful', 3);
        // Medians of alternating runs, so a burst of load on a shared machine hits both modes alike.
        const windowRuns: number[] = [];
        const statefulRuns: number[] = [];
        const primeRuns: number[] = [];
        for (let r = 0; r < notes.repeats; r++) {
          windowRuns.push((await run('window', notes.window)).notesMs / notes.window / batch);
          const s = await run('stateful', notes.stateful);
          statefulRuns.push(s.notesMs / notes.stateful / batch);
          primeRuns.push(s.primeMs / batch);
        }
        const windowMs = median(windowRuns);
        const statefulMs = median(statefulRuns);
        rows.push({
          model: `seed-doc (${backend.name})`,
          lstm: kind,
          batch,
          window_ms_per_note: round(windowMs),
          stateful_ms_per_note: round(statefulMs),
          speedup: round(windowMs / statefulMs),
          prime_ms: round(median(primeRuns)),
        });
        log.info(`bench generate: ${kind} batch ${batch}: window ${windowMs.toFixed(2)} ms/note, stateful ${statefulMs.toFixed(3)} ms/note`);
      }
    } finally {
      stepper.dispose();
      model.dispose();
    }
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
