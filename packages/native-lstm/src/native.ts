// The public wrappers around the raw addon: loader, threads, NativeLstmLayer.
import { loadAddon, type LoadResult, type NativeMemoryReport, type OmpWait, type RawAddon, type RawLayer } from './binding';

export type { NativeMemoryReport, OmpWait } from './binding';

export interface NativeLstmStatus {
  available: boolean;
  /** One line saying why the addon is unavailable (absent when available). */
  reason?: string;
  /** OpenMP threads the next forward will use (0 when unavailable). */
  threads: number;
  /** e.g. "oneDNN 2.6.3 (omp)" */
  version?: string;
  /** how idle OpenMP threads wait (fixed when the addon is first loaded); see LoadOptions */
  ompWait?: OmpWait;
}

export interface LoadOptions {
  /**
   * Only the first loadNativeLstm() call of the process decides (libgomp reads it at load).
   * 'short-spin' (default): spin a few microseconds at a barrier, then sleep — ~13% faster 2-thread
   * steps than 'passive' on an idle machine, ~11% slower when another process takes a core
   * mid-run; 'passive': sleep at once; 'spin': libgomp's default long spin, collapses (1.8-5x)
   * under contention. OMP_WAIT_POLICY / GOMP_SPINCOUNT in the environment override all ('env').
   */
  ompWait?: 'short-spin' | 'passive' | 'spin';
}

/** Dims: T steps, B batch, I input features, H units. */
export interface LstmDims {
  T: number;
  B: number;
  I: number;
  H: number;
  /**
   * x, y, dx, dy as [B,T,·] (as tfjs layers hold them) instead of the default [T,B,·]. oneDNN runs
   * time-major either way (its batch-major path was 4–8% slower): the layer transposes while it
   * copies them in and out, and the results are bit-identical.
   */
  batchMajor?: boolean;
}

export interface LstmGrads {
  /** [T,B,I] */
  dx: Float32Array;
  /** [I,4H] */
  dKernel: Float32Array;
  /** [H,4H] */
  dRecurrentKernel: Float32Array;
  /** [4H] */
  dBias: Float32Array;
}

export interface ForwardOptions {
  /** true keeps the workspace for backward(); false runs the (faster) inference primitive. */
  training: boolean;
  /** Write the [T,B,H] output here instead of allocating (reuse it across batches). */
  out?: Float32Array;
}

export interface BackwardOptions {
  /** Write gradients into these buffers instead of allocating. */
  out?: Partial<LstmGrads>;
}

export interface LstmState {
  /** [B,H] */
  h: Float32Array;
  /** [B,H] */
  c: Float32Array;
}

export interface StepOptions {
  /** May be the same array as the input h / c (in-place update is safe). */
  hOut?: Float32Array;
  cOut?: Float32Array;
}

export interface NativeLstmTimings {
  /** JS → native copies (x or dy, weights) of the last call */
  copyInMs: number;
  /** oneDNN primitives (plus weight reorders) of the last call */
  computeMs: number;
  /** native → JS copies of the last call */
  copyOutMs: number;
}

let cached: LoadResult | undefined;

function addonOrThrow(): RawAddon {
  const st = loadNativeLstm();
  if (!cached?.addon) throw new Error(`@piano-lstm/native-lstm: ${st.reason ?? 'unavailable'}`);
  return cached.addon;
}

/**
 * Loads the addon once (cached). Never throws: when libdnnl, a compiler or the build is
 * missing it returns `{ available: false, reason }` with a one-line reason.
 */
export function loadNativeLstm(opts: LoadOptions = {}): NativeLstmStatus {
  if (!cached) cached = loadAddon(opts.ompWait ?? 'short-spin');
  const addon = cached.addon;
  if (!addon) return { available: false, reason: cached.reason, threads: 0 };
  const v = addon.version();
  return {
    available: true,
    threads: addon.getThreads(),
    version: `oneDNN ${v.major}.${v.minor}.${v.patch} (${v.cpuRuntime})`,
    ompWait: cached.ompWait,
  };
}

/** Sets the OpenMP thread count for subsequent forward/step calls (process-wide). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads(n): positive integer expected, got ${n}`);
  addonOrThrow().setThreads(n);
}

/**
 * Bytes of the process-wide oneDNN scratchpad shared by all layers (the largest any layer
 * needed so far; freed when the last layer is disposed). 0 when unavailable.
 */
export function sharedScratchpadBytes(): number {
  return loadNativeLstm().available && cached?.addon ? cached.addon.sharedScratchpadBytes() : 0;
}

/** Current OpenMP thread count (0 when the addon is unavailable). */
export function getThreads(): number {
  return loadNativeLstm().threads;
}

/**
 * GFLOP/s of oneDNN's own n×n·n×n sgemm (median of `repeats` after a warm-up) on `threads` OpenMP
 * threads: the ceiling an LSTM measurement is compared with, in the same process and under the
 * same load. The addon's thread setting is unchanged afterwards.
 */
export function sgemmGflops(n = 1024, threads = getThreads(), repeats = 5): number {
  return addonOrThrow().sgemmGflops(n, threads, repeats);
}

/**
 * Inverted dropout on the addon's threads: out[i] = x[i]·1/(1-rate), or 0 where the draw for
 * element i falls under `rate`. Each draw is a counter-based hash of (seed, i) — murmur3's
 * finalizer over a Weyl sequence keyed by fmix32(seed): the same mask at any thread count, and the
 * same seed applied to the output's gradient is the input's gradient (nothing is stored).
 * `out` may be `x`. `seed` is taken as a uint32.
 */
export function dropout(x: Float32Array, out: Float32Array, rate: number, seed: number): void {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate ${rate} is out of range (0 ≤ rate < 1)`);
  if (x.length !== out.length) throw new RangeError(`dropout: x has ${x.length} elements, out ${out.length}`);
  addonOrThrow().dropout(x, out, rate, seed >>> 0);
}

/**
 * Row-major C[M,N] = op(A)·op(B) (+ bias[N] on every row) with oneDNN's sgemm on the addon's
 * threads. A is [M,K] ([K,M] with transA), B is [K,N] ([N,K] with transB).
 */
export function sgemm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  dims: { M: number; N: number; K: number; transA?: boolean; transB?: boolean },
  bias?: Float32Array,
): void {
  addonOrThrow().sgemm(a, b, c, dims.M, dims.N, dims.K, dims.transA === true, dims.transB === true, ...(bias ? [bias] : []));
}

/** A weight, its gradient and its optimizer slots (inputs), and where their new values go (outputs). */
export interface OptimizerArrays {
  w: Float32Array;
  g: Float32Array;
  /** RMSprop: [meanSquare, moment]; Adam: [firstMoment, secondMoment] */
  slots: [Float32Array, Float32Array];
  wOut: Float32Array;
  slotsOut: [Float32Array, Float32Array];
}

/**
 * tf.train.rmsprop's update (not centered) in one pass on the addon's threads, with tfjs' float32
 * operation order (bit-identical results). Constants are rounded to float32 here, as tfjs rounds
 * its scalars.
 */
export function rmspropUpdate(a: OptimizerArrays, c: { learningRate: number; decay: number; momentum: number; epsilon: number }): void {
  const f = Math.fround;
  addonOrThrow().rmspropUpdate(a.w, a.g, a.slots[0], a.slots[1], a.wOut, a.slotsOut[0], a.slotsOut[1], f(c.learningRate), f(c.decay), f(1 - c.decay), f(c.momentum), f(c.epsilon));
}

/**
 * tf.train.adam's update in one pass on the addon's threads, bit-identical to tfjs. `oneMinusAccBeta`
 * are tfjs' float32 `1 - beta^t` of this step (it keeps beta^t in a float32 variable).
 */
export function adamUpdate(
  a: OptimizerArrays,
  c: { learningRate: number; beta1: number; beta2: number; epsilon: number; oneMinusAccBeta1: number; oneMinusAccBeta2: number },
): void {
  const f = Math.fround;
  addonOrThrow().adamUpdate(
    a.w, a.g, a.slots[0], a.slots[1], a.wOut, a.slotsOut[0], a.slotsOut[1],
    f(c.beta1), f(1 - c.beta1), f(c.beta2), f(1 - c.beta2), f(c.oneMinusAccBeta1), f(c.oneMinusAccBeta2), f(-c.learningRate), f(c.epsilon),
  );
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`NativeLstmLayer: ${name} must be a positive integer, got ${v}`);
}

/**
 * One f32 LSTM layer on oneDNN. Time-major; weights in Keras/tfjs layout, gate order i, f, c, o;
 * sigmoid recurrent activation and tanh activation; zero initial state. Workspaces live on the
 * native side and are reused while the dims stay the same.
 */
export class NativeLstmLayer {
  private raw: RawLayer | undefined;
  private d: LstmDims;

  constructor(dims: LstmDims) {
    for (const k of ['T', 'B', 'I', 'H'] as const) checkDim(k, dims[k]);
    this.d = { T: dims.T, B: dims.B, I: dims.I, H: dims.H, ...(dims.batchMajor ? { batchMajor: true } : {}) };
    const addon = addonOrThrow();
    this.raw = new addon.Layer(dims.T, dims.B, dims.I, dims.H, dims.batchMajor === true);
  }

  get dims(): Readonly<LstmDims> {
    return this.d;
  }

  private get r(): RawLayer {
    if (!this.raw) throw new Error('NativeLstmLayer was disposed');
    return this.raw;
  }

  /** Changes T and/or B (I and H are fixed); re-creates primitives and workspaces when they differ. */
  resize(dims: { T: number; B: number }): void {
    checkDim('T', dims.T);
    checkDim('B', dims.B);
    if (dims.T === this.d.T && dims.B === this.d.B) return;
    this.r.resize(dims.T, dims.B);
    this.d = { ...this.d, T: dims.T, B: dims.B };
  }

  /** Copies the weights to the native side (used by step() and by forward() given null weights). */
  setWeights(kernel: Float32Array, recurrentKernel: Float32Array, bias: Float32Array): void {
    this.r.setWeights(kernel, recurrentKernel, bias);
  }

  /**
   * x [T,B,I] → all outputs [T,B,H]. Weights may be null to reuse the ones set last.
   * With training=true the state needed by backward() is kept natively.
   */
  forward(
    x: Float32Array,
    kernel: Float32Array | null,
    recurrentKernel: Float32Array | null,
    bias: Float32Array | null,
    opts: ForwardOptions,
  ): Float32Array {
    return this.r.forward(x, kernel, recurrentKernel, bias, opts.training, opts.out ?? null);
  }

  /** Same as forward() but computes on the libuv thread pool; the layer is busy until it settles. */
  forwardAsync(
    x: Float32Array,
    kernel: Float32Array | null,
    recurrentKernel: Float32Array | null,
    bias: Float32Array | null,
    opts: ForwardOptions,
  ): Promise<Float32Array> {
    return this.r.forwardAsync(x, kernel, recurrentKernel, bias, opts.training, opts.out ?? null);
  }

  /**
   * dy [T,B,H] (gradient w.r.t. every step's output; for a last-step-only layer pass zeros
   * except step T-1) → gradients of the last training forward. Fresh (not accumulated) each call.
   */
  backward(dy: Float32Array, opts: BackwardOptions = {}): LstmGrads {
    const o = opts.out ?? {};
    return this.r.backward(dy, o.dx ?? null, o.dKernel ?? null, o.dRecurrentKernel ?? null, o.dBias ?? null);
  }

  backwardAsync(dy: Float32Array, opts: BackwardOptions = {}): Promise<LstmGrads> {
    const o = opts.out ?? {};
    return this.r.backwardAsync(dy, o.dx ?? null, o.dKernel ?? null, o.dRecurrentKernel ?? null, o.dBias ?? null);
  }

  /**
   * One inference step with explicit state, for generation: x [b,I], h/c [b,H] → next h/c.
   * The batch b is taken from x.length / I (any b, independent of dims.B). Uses the weights
   * from the last setWeights()/forward().
   */
  step(x: Float32Array, h: Float32Array, c: Float32Array, opts: StepOptions = {}): LstmState {
    return this.r.step(x, h, c, opts.hOut ?? null, opts.cOut ?? null);
  }

  /** Copy and compute times of the last forward/backward call. */
  timings(): NativeLstmTimings {
    return this.r.timings();
  }

  /** Bytes held natively by this layer (workspace, data, gradients, weights; not the shared scratchpad). */
  nativeBytes(): number {
    return this.r.nativeMemory().total;
  }

  /** nativeBytes() broken down by kind. */
  nativeMemory(): NativeMemoryReport {
    return this.r.nativeMemory();
  }

  /** Frees the native memory now (otherwise freed when garbage-collected). Idempotent. */
  dispose(): void {
    this.raw?.dispose();
    this.raw = undefined;
  }
}
