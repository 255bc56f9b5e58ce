// Plain-JS reference LSTM in float64: forward and backpropagation through time.
// Keras/tfjs semantics: kernel [I,4H], recurrentKernel [H,4H], bias [4H], gate order i, f, c, o,
// sigmoid gates, tanh cell/output activation, zero initial state, time-major x [T,B,I].

export interface RefDims {
  T: number;
  B: number;
  I: number;
  H: number;
}

export interface RefWeights {
  kernel: ArrayLike<number>;
  recurrentKernel: ArrayLike<number>;
  bias: ArrayLike<number>;
}

export interface RefForward {
  /** [T,B,H] */
  y: Float64Array;
  /** activated gates per step [T,B,4H] (i, f, g, o) */
  gates: Float64Array;
  /** cell state per step [T,B,H] */
  c: Float64Array;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** One step: x [B,I], h/c [B,H] → new h, c and activated gates. */
export function refStep(
  d: { B: number; I: number; H: number },
  w: RefWeights,
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  c: ArrayLike<number>,
): { h: Float64Array; c: Float64Array; gates: Float64Array } {
  const { B, I, H } = d;
  const G = 4 * H;
  const hn = new Float64Array(B * H);
  const cn = new Float64Array(B * H);
  const gates = new Float64Array(B * G);
  const z = new Float64Array(G);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < G; j++) z[j] = w.bias[j];
    for (let i = 0; i < I; i++) {
      const xv = x[b * I + i];
      for (let j = 0; j < G; j++) z[j] += xv * w.kernel[i * G + j];
    }
    for (let k = 0; k < H; k++) {
      const hv = h[b * H + k];
      for (let j = 0; j < G; j++) z[j] += hv * w.recurrentKernel[k * G + j];
    }
    for (let u = 0; u < H; u++) {
      const ig = sigmoid(z[u]);
      const fg = sigmoid(z[H + u]);
      const gg = Math.tanh(z[2 * H + u]);
      const og = sigmoid(z[3 * H + u]);
      const cv = fg * c[b * H + u] + ig * gg;
      cn[b * H + u] = cv;
      hn[b * H + u] = og * Math.tanh(cv);
      gates[b * G + u] = ig;
      gates[b * G + H + u] = fg;
      gates[b * G + 2 * H + u] = gg;
      gates[b * G + 3 * H + u] = og;
    }
  }
  return { h: hn, c: cn, gates };
}

export function refForward(d: RefDims, w: RefWeights, x: ArrayLike<number>): RefForward {
  const { T, B, I, H } = d;
  const y = new Float64Array(T * B * H);
  const cs = new Float64Array(T * B * H);
  const gates = new Float64Array(T * B * 4 * H);
  let h: ArrayLike<number> = new Float64Array(B * H);
  let c: ArrayLike<number> = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    const xt = Array.prototype.slice.call(x, t * B * I, (t + 1) * B * I) as number[];
    const s = refStep(d, w, xt, h, c);
    y.set(s.h, t * B * H);
    cs.set(s.c, t * B * H);
    gates.set(s.gates, t * B * 4 * H);
    h = s.h;
    c = s.c;
  }
  return { y, gates, c: cs };
}

export interface RefGrads {
  dx: Float64Array;
  dKernel: Float64Array;
  dRecurrentKernel: Float64Array;
  dBias: Float64Array;
}

/** Backpropagation through time for dy [T,B,H] on every step's output. */
export function refBackward(
  d: RefDims,
  w: RefWeights,
  x: ArrayLike<number>,
  fwd: RefForward,
  dy: ArrayLike<number>,
): RefGrads {
  const { T, B, I, H } = d;
  const G = 4 * H;
  const dx = new Float64Array(T * B * I);
  const dK = new Float64Array(I * G);
  const dU = new Float64Array(H * G);
  const db = new Float64Array(G);
  const dhNext = new Float64Array(B * H);
  const dcNext = new Float64Array(B * H);
  const dz = new Float64Array(G);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const gb = (t * B + b) * G;
      for (let u = 0; u < H; u++) {
        const ig = fwd.gates[gb + u];
        const fg = fwd.gates[gb + H + u];
        const gg = fwd.gates[gb + 2 * H + u];
        const og = fwd.gates[gb + 3 * H + u];
        const cv = fwd.c[(t * B + b) * H + u];
        const cPrev = t > 0 ? fwd.c[((t - 1) * B + b) * H + u] : 0;
        const tc = Math.tanh(cv);
        const dh = dy[(t * B + b) * H + u] + dhNext[b * H + u];
        const dc = dh * og * (1 - tc * tc) + dcNext[b * H + u];
        dz[u] = dc * gg * ig * (1 - ig);
        dz[H + u] = dc * cPrev * fg * (1 - fg);
        dz[2 * H + u] = dc * ig * (1 - gg * gg);
        dz[3 * H + u] = dh * tc * og * (1 - og);
        dcNext[b * H + u] = dc * fg;
      }
      // weight gradients and input/recurrent gradients for this (t, b)
      for (let j = 0; j < G; j++) db[j] += dz[j];
      for (let i = 0; i < I; i++) {
        const xv = x[(t * B + b) * I + i];
        let s = 0;
        for (let j = 0; j < G; j++) {
          dK[i * G + j] += xv * dz[j];
          s += dz[j] * w.kernel[i * G + j];
        }
        dx[(t * B + b) * I + i] = s;
      }
      for (let k = 0; k < H; k++) {
        const hPrev = t > 0 ? fwd.y[((t - 1) * B + b) * H + k] : 0;
        let s = 0;
        for (let j = 0; j < G; j++) {
          dU[k * G + j] += hPrev * dz[j];
          s += dz[j] * w.recurrentKernel[k * G + j];
        }
        dhNext[b * H + k] = s;
      }
    }
  }
  return { dx, dKernel: dK, dRecurrentKernel: dU, dBias: db };
}

/** Deterministic uniform values in [-scale, scale] (LCG), as Float32Array. */
export function randomF32(n: number, scale: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

/**
 * Largest element-wise error relative to max(|expected_i|, floor), where floor = 1% of the
 * tensor's largest magnitude (so entries that are ~0 by cancellation do not dominate).
 */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  const floor = Math.max(maxAbs * 1e-2, 1e-12);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (!(e <= worst)) worst = e; // NaN-safe
  }
  return worst;
}

export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
