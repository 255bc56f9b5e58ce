// Locates and loads the compiled addon (build/Release/native_lstm.node). Never throws.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Shape of the raw addon (see src/native/addon.cc). Internal: use the wrappers in index.ts. */
export interface RawLayer {
  setWeights(kernel: Float32Array | null, recurrentKernel: Float32Array | null, bias: Float32Array | null): void;
  resize(T: number, B: number): void;
  forward(
    x: Float32Array,
    kernel: Float32Array | null,
    recurrentKernel: Float32Array | null,
    bias: Float32Array | null,
    training: boolean,
    out: Float32Array | null,
  ): Float32Array;
  forwardAsync(
    x: Float32Array,
    kernel: Float32Array | null,
    recurrentKernel: Float32Array | null,
    bias: Float32Array | null,
    training: boolean,
    out: Float32Array | null,
  ): Promise<Float32Array>;
  backward(
    dy: Float32Array,
    dx: Float32Array | null,
    dKernel: Float32Array | null,
    dRecurrentKernel: Float32Array | null,
    dBias: Float32Array | null,
  ): RawGrads;
  backwardAsync(
    dy: Float32Array,
    dx: Float32Array | null,
    dKernel: Float32Array | null,
    dRecurrentKernel: Float32Array | null,
    dBias: Float32Array | null,
  ): Promise<RawGrads>;
  step(
    x: Float32Array,
    h: Float32Array,
    c: Float32Array,
    hOut: Float32Array | null,
    cOut: Float32Array | null,
  ): { h: Float32Array; c: Float32Array };
  timings(): { copyInMs: number; computeMs: number; copyOutMs: number };
  nativeMemory(): NativeMemoryReport;
  dispose(): void;
}

export interface NativeMemoryReport {
  /** training workspace kept between forward and backward (gates, states) */
  workspace: number;
  /** scratchpad this layer needs; it lives in ONE process-wide buffer (see sharedScratchpadBytes), not in total */
  scratchpad: number;
  /** native copies of x, y, dy, dx and the zero initial states */
  data: number;
  /** diff weights (in the primitive's layout, plus the Keras-layout copy when it differs) */
  gradients: number;
  /** weights (Keras layout, plus reordered copies, e.g. ldgoi for backward) */
  weights: number;
  /** workspace + data + gradients + weights */
  total: number;
}

export interface RawGrads {
  dx: Float32Array;
  dKernel: Float32Array;
  dRecurrentKernel: Float32Array;
  dBias: Float32Array;
}

export interface RawAddon {
  /** batchMajor: x, y, dx, dy are [B,T,·] instead of [T,B,·] */
  Layer: new (T: number, B: number, I: number, H: number, batchMajor?: boolean) => RawLayer;
  getThreads(): number;
  setThreads(n: number): void;
  sharedScratchpadBytes(): number;
  sgemmGflops(n: number, threads: number, repeats: number): number;
  /** out[i] = x[i]/(1-rate) or 0, from a counter-based hash of (seed, i); out may be x */
  dropout(x: Float32Array, out: Float32Array, rate: number, seed: number): void;
  rmspropUpdate(...args: (Float32Array | number)[]): void;
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, bias?: Float32Array): void;
  adamUpdate(...args: (Float32Array | number)[]): void;
  version(): { major: number; minor: number; patch: number; hash: string; cpuRuntime: string; maxThreads: number };
}

export type LoadResult =
  | { addon: RawAddon; ompWait: OmpWait; reason?: undefined }
  | { addon?: undefined; ompWait?: undefined; reason: string };

/** The package root (…/packages/native-lstm), from src/ under jest or dist/ when built. */
export const packageRoot = path.resolve(__dirname, '..');
export const builtAddonPath = path.join(packageRoot, 'build', 'Release', 'native_lstm.node');

const HOW_TO =
  'build it with `npm run build:native -w @piano-lstm/native-lstm` (needs libdnnl-dev and g++: apt-get install libdnnl-dev g++)';

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

/**
 * How idle OpenMP threads wait at oneDNN's barriers (the LSTM crosses many per time step).
 * - 'short-spin' (default): spin ~1000 iterations (GOMP_SPINCOUNT=1000, a few microseconds), then
 *   sleep. Measured on 2 cores, seed-doc b64 training step at 2 threads: idle 375 ms vs 433 passive
 *   (the barriers' wake-ups were ~13% of the step); with a busy process on one core ~11% slower
 *   than passive (745 vs 670 ms), where libgomp's default 300k spin is 1.8× slower (1200 ms). The
 *   model package's default thread count already drops to one thread when a core is busy at start.
 * - 'passive': sleep at once (OMP_WAIT_POLICY=PASSIVE): the most robust when other processes
 *   start competing for the cores mid-run.
 * - 'spin': libgomp's default (spin ~300k iterations, then sleep): collapses under contention.
 * - 'env': the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT; respected as is.
 */
export type OmpWait = 'short-spin' | 'passive' | 'spin' | 'env';

/**
 * libgomp reads its wait policy once, when the addon's dlopen loads it: set it for the load and
 * restore the environment afterwards, so child processes are unaffected.
 */
function withOmpWait<T>(wanted: Exclude<OmpWait, 'env'>, load: () => T): { value: T; ompWait: OmpWait } {
  if (process.env.OMP_WAIT_POLICY !== undefined || process.env.GOMP_SPINCOUNT !== undefined) {
    return { value: load(), ompWait: 'env' };
  }
  if (wanted === 'spin') return { value: load(), ompWait: 'spin' };
  const [key, value] = wanted === 'passive' ? ['OMP_WAIT_POLICY', 'PASSIVE'] : ['GOMP_SPINCOUNT', '1000'];
  process.env[key] = value;
  try {
    return { value: load(), ompWait: wanted };
  } finally {
    delete process.env[key];
  }
}

export function loadAddon(ompWait: Exclude<OmpWait, 'env'> = 'short-spin'): LoadResult {
  const flag = process.env.PIANO_LSTM_NATIVE;
  if (flag === '0' || flag === 'false' || flag === 'off') {
    return { reason: `native LSTM disabled by PIANO_LSTM_NATIVE=${flag}` };
  }
  // PIANO_LSTM_NATIVE_ADDON: load a prebuilt addon from elsewhere (also used for experiments)
  const addonPath = process.env.PIANO_LSTM_NATIVE_ADDON || builtAddonPath;
  if (!fs.existsSync(addonPath)) {
    return process.env.PIANO_LSTM_NATIVE_ADDON
      ? { reason: `PIANO_LSTM_NATIVE_ADDON=${addonPath} does not exist` }
      : { reason: `native LSTM addon not built; ${HOW_TO}` };
  }
  try {
    const loaded = withOmpWait(ompWait, () => require(addonPath) as RawAddon);
    loaded.value.version();
    return { addon: loaded.value, ompWait: loaded.ompWait };
  } catch (e) {
    return { reason: `native LSTM addon failed to load (${firstLine(e)}); ${HOW_TO}` };
  }
}
