// Short timing of forward+backward through a stack of native LSTM layers (for `piano-lstm bench`).
import { getThreads, NativeLstmLayer, setThreads, sharedScratchpadBytes } from './native';

export interface NativeLstmBenchOptions {
  /** steps */
  T: number;
  /** batch */
  B: number;
  /** input features of the first layer */
  I: number;
  /** units: one layer, or a stack (e.g. [256, 512, 256]) where each layer feeds the next */
  H: number | number[];
  /** OpenMP threads for the run (restored afterwards); default: current */
  threads?: number;
  /** timed forward+backward batches (default 3) */
  repeats?: number;
  /** untimed batches first (default 1: allocates workspaces, reorders) */
  warmup?: number;
  /** reuse output/gradient buffers across batches (default true, like a training loop should) */
  reuseBuffers?: boolean;
}

export interface NativeLstmBenchResult {
  /** wall ms per forward+backward over the whole stack (median of repeats) */
  msPerBatch: number;
  msForward: number;
  msBackward: number;
  /** B / (msPerBatch / 1000) */
  samplesPerSec: number;
  /** ms per batch spent inside oneDNN (primitives + weight reorders), median */
  computeMs: number;
  /** msPerBatch - computeMs: JS↔native copies, allocation, N-API overhead */
  boundaryMs: number;
  /**
   * process CPU ms (user+system, all threads) per batch, median. With 1 thread, cpuMs ≈ msPerBatch
   * on an idle machine; cpuMs well below msPerBatch means other processes took the cores.
   */
  cpuMs: number;
  threads: number;
  layers: Array<{ I: number; H: number }>;
  /** native bytes held by the stack: the layers plus the shared oneDNN scratchpad */
  nativeBytes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function filled(n: number, scale: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

/** Times forward+backward of an LSTM stack on random data. Throws if the addon is unavailable. */
export function benchNativeLstm(opts: NativeLstmBenchOptions): NativeLstmBenchResult {
  const { T, B } = opts;
  const hs = Array.isArray(opts.H) ? opts.H : [opts.H];
  const repeats = Math.max(1, opts.repeats ?? 3);
  const warmup = Math.max(0, opts.warmup ?? 1);
  const reuse = opts.reuseBuffers ?? true;
  const prevThreads = getThreads();
  if (opts.threads !== undefined) setThreads(opts.threads);
  const threads = getThreads();

  const layers: NativeLstmLayer[] = [];
  try {
    const dims = hs.map((H, k) => ({ I: k === 0 ? opts.I : hs[k - 1], H }));
    const weights = dims.map(({ I, H }, k) => ({
      kernel: filled(I * 4 * H, Math.sqrt(6 / (I + 4 * H)), 11 + k),
      recurrent: filled(H * 4 * H, Math.sqrt(6 / (5 * H)), 23 + k),
      bias: filled(4 * H, 0.1, 37 + k),
    }));
    for (const d of dims) layers.push(new NativeLstmLayer({ T, B, ...d }));
    const x = filled(T * B * opts.I, 1, 5);
    const dyTop = filled(T * B * hs[hs.length - 1], 1e-2, 7);
    const ys = dims.map(({ H }) => new Float32Array(T * B * H));
    const grads = dims.map(({ I, H }) => ({
      dx: new Float32Array(T * B * I),
      dKernel: new Float32Array(I * 4 * H),
      dRecurrentKernel: new Float32Array(H * 4 * H),
      dBias: new Float32Array(4 * H),
    }));

    const fwdMs: number[] = [];
    const bwdMs: number[] = [];
    const computeMs: number[] = [];
    const cpuMs: number[] = [];
    for (let r = 0; r < warmup + repeats; r++) {
      let compute = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let input = x;
      layers.forEach((layer, k) => {
        const w = weights[k];
        input = layer.forward(input, w.kernel, w.recurrent, w.bias, { training: true, out: reuse ? ys[k] : undefined });
        compute += layer.timings().computeMs;
      });
      const t1 = performance.now();
      let dy = dyTop;
      for (let k = layers.length - 1; k >= 0; k--) {
        dy = layers[k].backward(dy, { out: reuse ? grads[k] : undefined }).dx;
        compute += layers[k].timings().computeMs;
      }
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      if (r >= warmup) {
        cpuMs.push((cpu.user + cpu.system) / 1000);
        fwdMs.push(t1 - t0);
        bwdMs.push(t2 - t1);
        computeMs.push(compute);
      }
    }
    const totals = fwdMs.map((f, i) => f + bwdMs[i]);
    const msPerBatch = median(totals);
    const c = median(computeMs);
    return {
      msPerBatch,
      msForward: median(fwdMs),
      msBackward: median(bwdMs),
      samplesPerSec: B / (msPerBatch / 1000),
      computeMs: c,
      boundaryMs: Math.max(0, msPerBatch - c),
      cpuMs: median(cpuMs),
      threads,
      layers: dims,
      nativeBytes: layers.reduce((s, l) => s + l.nativeBytes(), 0) + sharedScratchpadBytes(),
    };
  } finally {
    for (const l of layers) l.dispose();
    if (opts.threads !== undefined && prevThreads > 0) setThreads(prevThreads);
  }
}

export interface NativeLstmStepBenchOptions {
  /** input features of the first layer */
  I: number;
  /** units per layer (a stack feeds each layer's h to the next) */
  H: number | number[];
  /** batch of the step (1 for plain generation) */
  b?: number;
  /** timed steps (default 200) */
  steps?: number;
  threads?: number;
}

export interface NativeLstmStepBenchResult {
  /** median wall ms for one step through the whole stack (= one generated note) */
  msPerStep: number;
  threads: number;
}

/** Times stateful inference stepping (generation) through an LSTM stack. */
export function benchNativeLstmStep(opts: NativeLstmStepBenchOptions): NativeLstmStepBenchResult {
  const hs = Array.isArray(opts.H) ? opts.H : [opts.H];
  const b = opts.b ?? 1;
  const steps = Math.max(1, opts.steps ?? 200);
  const prevThreads = getThreads();
  if (opts.threads !== undefined) setThreads(opts.threads);
  const threads = getThreads();
  const layers: NativeLstmLayer[] = [];
  try {
    const dims = hs.map((H, k) => ({ I: k === 0 ? opts.I : hs[k - 1], H }));
    const states = dims.map(({ H }) => ({ h: new Float32Array(b * H), c: new Float32Array(b * H) }));
    dims.forEach(({ I, H }, k) => {
      const l = new NativeLstmLayer({ T: 1, B: b, I, H });
      l.setWeights(
        filled(I * 4 * H, Math.sqrt(6 / (I + 4 * H)), 11 + k),
        filled(H * 4 * H, Math.sqrt(6 / (5 * H)), 23 + k),
        filled(4 * H, 0.1, 37 + k),
      );
      layers.push(l);
    });
    const x = filled(b * opts.I, 1, 5);
    const times: number[] = [];
    for (let s = 0; s < steps + 5; s++) {
      const t0 = performance.now();
      let input = x;
      layers.forEach((l, k) => {
        const st = states[k];
        l.step(input, st.h, st.c, { hOut: st.h, cOut: st.c });
        input = st.h;
      });
      if (s >= 5) times.push(performance.now() - t0);
    }
    return { msPerStep: median(times), threads };
  } finally {
    for (const l of layers) l.dispose();
    if (opts.threads !== undefined && prevThreads > 0) setThreads(prevThreads);
  }
}
