import {
  benchNativeLstm,
  benchNativeLstmStep,
  loadNativeLstm,
  NativeLstmLayer,
  setThreads,
  sgemm,
  sgemmGflops,
  sharedScratchpadBytes,
  type LstmDims,
} from './index';
import {
  maxAbsError,
  maxRelError,
  randomF32,
  refBackward,
  refForward,
  refStep,
  type RefWeights,
} from './__tests__/reference-lstm';

const status = loadNativeLstm();
const describeNative = status.available ? describe : describe.skip;
const label = status.available
  ? `native LSTM on ${status.version}`
  : `native LSTM SKIPPED (${status.reason})`;
if (!status.available) process.stderr.write(`[native-lstm] ${label}\n`);

describe('loadNativeLstm', () => {
  it('never throws and reports a status', () => {
    expect(typeof status.available).toBe('boolean');
    expect(typeof status.threads).toBe('number');
    if (!status.available) {
      expect(status.reason).toMatch(/\S/);
      expect(status.reason).not.toMatch(/\n/);
    } else {
      expect(status.version).toMatch(/^oneDNN \d+\.\d+\.\d+/);
      expect(status.threads).toBeGreaterThanOrEqual(1);
      expect(['short-spin', 'passive', 'spin', 'env']).toContain(status.ompWait);
      // libgomp read the policy at load; the env vars must not leak to child processes
      if (status.ompWait === 'short-spin') expect(process.env.GOMP_SPINCOUNT).toBeUndefined();
      if (status.ompWait === 'passive') expect(process.env.OMP_WAIT_POLICY).toBeUndefined();
    }
  });

  /** Runs fn with the given env vars (undefined = unset), restoring them afterwards. */
  function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    const apply = (v: Record<string, string | undefined>) => {
      for (const [k, val] of Object.entries(v)) {
        if (val === undefined) delete process.env[k];
        else process.env[k] = val;
      }
    };
    apply(vars);
    try {
      fn();
    } finally {
      apply(saved);
    }
  }

  it('reports one line when disabled by PIANO_LSTM_NATIVE=0', () => {
    withEnv({ PIANO_LSTM_NATIVE: '0' }, () =>
      jest.isolateModules(() => {
        const m = require('./index') as typeof import('./index');
        const st = m.loadNativeLstm();
        expect(st).toEqual({ available: false, reason: 'native LSTM disabled by PIANO_LSTM_NATIVE=0', threads: 0 });
        expect(() => new m.NativeLstmLayer({ T: 1, B: 1, I: 1, H: 1 })).toThrow(/PIANO_LSTM_NATIVE=0/);
      }),
    );
  });

  it('reports one line when the addon was never built', () => {
    withEnv({ PIANO_LSTM_NATIVE: undefined, PIANO_LSTM_NATIVE_ADDON: undefined }, () =>
      jest.isolateModules(() => {
        jest.doMock('node:fs', () => ({ ...jest.requireActual('node:fs'), existsSync: () => false }));
        try {
          const m = require('./index') as typeof import('./index');
          const st = m.loadNativeLstm();
          expect(st.available).toBe(false);
          expect(st.reason).toMatch(/not built.*libdnnl-dev/);
          expect(st.reason).not.toMatch(/\n/);
        } finally {
          jest.dontMock('node:fs');
        }
      }),
    );
  });
});

interface Case {
  dims: LstmDims;
  seed: number;
}

function makeCase({ dims, seed }: Case) {
  const { T, B, I, H } = dims;
  const w = {
    kernel: randomF32(I * 4 * H, 0.6, seed + 1),
    recurrentKernel: randomF32(H * 4 * H, 0.6, seed + 2),
    bias: randomF32(4 * H, 0.5, seed + 3),
  };
  const x = randomF32(T * B * I, 1, seed + 4);
  const dyAll = randomF32(T * B * H, 1, seed + 5);
  const dyLast = new Float32Array(T * B * H);
  dyLast.set(dyAll.subarray((T - 1) * B * H), (T - 1) * B * H);
  return { w, x, dyAll, dyLast };
}

const refW = (w: { kernel: Float32Array; recurrentKernel: Float32Array; bias: Float32Array }): RefWeights => w;

const FWD_TOL = 1e-5; // absolute, outputs are in (-1, 1)
const GRAD_TOL = 1e-4; // relative (see maxRelError)

const shapes: Case[] = [
  { dims: { T: 7, B: 3, I: 5, H: 4 }, seed: 100 },
  { dims: { T: 20, B: 8, I: 1, H: 16 }, seed: 200 },
  { dims: { T: 1, B: 1, I: 3, H: 2 }, seed: 300 },
  { dims: { T: 9, B: 2, I: 17, H: 33 }, seed: 400 },
  { dims: { T: 12, B: 5, I: 24, H: 64 }, seed: 500 },
];

describeNative(label, () => {
  const layers: NativeLstmLayer[] = [];
  const make = (dims: LstmDims) => {
    const l = new NativeLstmLayer(dims);
    layers.push(l);
    return l;
  };
  afterAll(() => layers.forEach((l) => l.dispose()));

  describe.each(shapes)('T=$dims.T B=$dims.B I=$dims.I H=$dims.H', (c) => {
    const { w, x, dyAll, dyLast } = makeCase(c);
    const ref = refForward(c.dims, refW(w), x);

    it('forward (training and inference) matches the float64 reference within 1e-5', () => {
      const layer = make(c.dims);
      const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
      expect(maxAbsError(y, ref.y)).toBeLessThan(FWD_TOL);
      const yi = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: false });
      expect(maxAbsError(yi, ref.y)).toBeLessThan(FWD_TOL);
    });

    it.each([
      ['dy on every step', 'all'],
      ['dy on the last step only', 'last'],
    ] as const)('gradients with %s match the reference within 1e-4 relative', (_n, which) => {
      const dy = which === 'all' ? dyAll : dyLast;
      const want = refBackward(c.dims, refW(w), x, ref, dy);
      const layer = make(c.dims);
      layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
      const g = layer.backward(dy);
      expect(maxRelError(g.dx, want.dx)).toBeLessThan(GRAD_TOL);
      expect(maxRelError(g.dKernel, want.dKernel)).toBeLessThan(GRAD_TOL);
      expect(maxRelError(g.dRecurrentKernel, want.dRecurrentKernel)).toBeLessThan(GRAD_TOL);
      expect(maxRelError(g.dBias, want.dBias)).toBeLessThan(GRAD_TOL);
    });

    it('stepping the state one token at a time equals forward', () => {
      const { T, B, I, H } = c.dims;
      const layer = make(c.dims);
      const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: false });
      let h: Float32Array = new Float32Array(B * H);
      let cs: Float32Array = new Float32Array(B * H);
      for (let t = 0; t < T; t++) {
        const s = layer.step(x.subarray(t * B * I, (t + 1) * B * I), h, cs);
        expect(maxAbsError(s.h, y.subarray(t * B * H, (t + 1) * B * H))).toBeLessThan(FWD_TOL);
        expect(maxAbsError(s.c, ref.c.subarray(t * B * H, (t + 1) * B * H))).toBeLessThan(FWD_TOL);
        h = s.h;
        cs = s.c;
      }
    });
  });

  it('gate order is Keras i, f, c, o (bias-only probe)', () => {
    // x = 0, h0 = 0: z = bias. i = σ(10) ≈ 1, f = σ(-10) ≈ 0, g = tanh(0.5), o = σ(3).
    const dims = { T: 1, B: 1, I: 1, H: 1 };
    const layer = make(dims);
    const y = layer.forward(new Float32Array(1), new Float32Array(4), new Float32Array(4), Float32Array.of(10, -10, 0.5, 3), {
      training: false,
    });
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const want = s(3) * Math.tanh(s(10) * Math.tanh(0.5));
    expect(Math.abs(y[0] - want)).toBeLessThan(1e-6);
  });

  it('repeated backward calls give the same gradients (diff buffers are zeroed)', () => {
    const c = shapes[0];
    const { w, x, dyAll } = makeCase(c);
    const layer = make(c.dims);
    layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
    const g1 = layer.backward(dyAll);
    const g2 = layer.backward(dyAll);
    const g3 = layer.backward(dyAll, {
      out: { dKernel: new Float32Array(g1.dKernel.length).fill(7) },
    });
    for (const g of [g2, g3]) {
      expect(Array.from(g.dKernel)).toEqual(Array.from(g1.dKernel));
      expect(Array.from(g.dRecurrentKernel)).toEqual(Array.from(g1.dRecurrentKernel));
      expect(Array.from(g.dBias)).toEqual(Array.from(g1.dBias));
      expect(Array.from(g.dx)).toEqual(Array.from(g1.dx));
    }
    // and a new batch after that still matches the reference (nothing carried over)
    const x2 = randomF32(x.length, 1, 999);
    const ref2 = refForward(c.dims, refW(w), x2);
    const want = refBackward(c.dims, refW(w), x2, ref2, dyAll);
    layer.forward(x2, w.kernel, w.recurrentKernel, w.bias, { training: true });
    const g4 = layer.backward(dyAll);
    expect(maxRelError(g4.dRecurrentKernel, want.dRecurrentKernel)).toBeLessThan(GRAD_TOL);
    expect(maxRelError(g4.dKernel, want.dKernel)).toBeLessThan(GRAD_TOL);
  });

  it('reuses caller buffers for outputs and gradients', () => {
    const c = shapes[1];
    const { T, B, I, H } = c.dims;
    const { w, x, dyAll } = makeCase(c);
    const layer = make(c.dims);
    const out = new Float32Array(T * B * H);
    const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true, out });
    expect(y).toBe(out);
    const bufs = {
      dx: new Float32Array(T * B * I),
      dKernel: new Float32Array(I * 4 * H),
      dRecurrentKernel: new Float32Array(H * 4 * H),
      dBias: new Float32Array(4 * H),
    };
    const g = layer.backward(dyAll, { out: bufs });
    expect(g.dx).toBe(bufs.dx);
    expect(g.dKernel).toBe(bufs.dKernel);
    expect(g.dRecurrentKernel).toBe(bufs.dRecurrentKernel);
    expect(g.dBias).toBe(bufs.dBias);
    // step may update h/c in place
    layer.setWeights(w.kernel, w.recurrentKernel, w.bias);
    const h = new Float32Array(B * H);
    const cs = new Float32Array(B * H);
    const r = layer.step(x.subarray(0, B * I), h, cs, { hOut: h, cOut: cs });
    expect(r.h).toBe(h);
    expect(maxAbsError(h, y.subarray(0, B * H))).toBeLessThan(FWD_TOL);
  });

  it('step works for a batch size different from dims.B (generation with b=1)', () => {
    const c = shapes[0];
    const { T, B, I, H } = c.dims;
    const { w, x } = makeCase(c);
    const ref = refForward(c.dims, refW(w), x);
    const layer = make(c.dims);
    layer.setWeights(w.kernel, w.recurrentKernel, w.bias);
    // sequence of batch row 1 alone
    let h: ArrayLike<number> = new Float64Array(H);
    let cc: ArrayLike<number> = new Float64Array(H);
    let hn: Float32Array = new Float32Array(H);
    let cn: Float32Array = new Float32Array(H);
    for (let t = 0; t < T; t++) {
      const xt = x.slice((t * B + 1) * I, (t * B + 2) * I);
      const r = refStep({ B: 1, I, H }, refW(w), xt, h, cc);
      const s = layer.step(xt, hn, cn);
      expect(maxAbsError(s.h, r.h)).toBeLessThan(FWD_TOL);
      expect(maxAbsError(s.h, ref.y.subarray((t * B + 1) * H, (t * B + 2) * H))).toBeLessThan(FWD_TOL);
      h = r.h;
      cc = r.c;
      hn = s.h;
      cn = s.c;
    }
  });

  it('1 and 2 threads agree, also when threads change between forward and backward', () => {
    const c = shapes[4];
    const { w, x, dyAll } = makeCase(c);
    const ref = refForward(c.dims, refW(w), x);
    const want = refBackward(c.dims, refW(w), x, ref, dyAll);
    const before = loadNativeLstm().threads;
    try {
      for (const [tf, tb] of [
        [1, 1],
        [2, 2],
        [2, 1],
        [1, 2],
      ]) {
        const layer = make(c.dims);
        setThreads(tf);
        expect(loadNativeLstm().threads).toBe(tf);
        const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
        setThreads(tb);
        const g = layer.backward(dyAll);
        expect(maxAbsError(y, ref.y)).toBeLessThan(FWD_TOL);
        expect(maxRelError(g.dRecurrentKernel, want.dRecurrentKernel)).toBeLessThan(GRAD_TOL);
        expect(maxRelError(g.dKernel, want.dKernel)).toBeLessThan(GRAD_TOL);
        expect(maxRelError(g.dx, want.dx)).toBeLessThan(GRAD_TOL);
      }
    } finally {
      setThreads(before);
    }
  });

  // oneDNN runs time-major either way: a batch-major layer only transposes in its copies (on the
  // addon's threads once a copy reaches 64k elements: the second shape's y and dy).
  it.each([
    { T: 5, B: 3, I: 4, H: 6 },
    { T: 40, B: 32, I: 1, H: 64 },
  ])('batchMajor layers take and return [B,T,·] and give exactly the time-major results (%o)', ({ T, B, I, H }) => {
    const toBt = (a: Float32Array, C: number) => {
      const o = new Float32Array(a.length);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) o.set(a.subarray((t * B + b) * C, (t * B + b + 1) * C), (b * T + t) * C);
      return o;
    };
    const x = randomF32(T * B * I, 1, 3);
    const k = randomF32(I * 4 * H, 0.3, 4);
    const rk = randomF32(H * 4 * H, 0.3, 5);
    const bias = randomF32(4 * H, 0.1, 6);
    const dy = randomF32(T * B * H, 1, 7);
    const before = loadNativeLstm().threads;
    setThreads(2);
    const tm = new NativeLstmLayer({ T, B, I, H });
    const bm = new NativeLstmLayer({ T, B, I, H, batchMajor: true });
    try {
      const yT = tm.forward(x, k, rk, bias, { training: true });
      const yB = bm.forward(toBt(x, I), k, rk, bias, { training: true });
      expect(maxAbsError(yB, toBt(yT, H))).toBe(0);
      const gT = tm.backward(dy);
      const gB = bm.backward(toBt(dy, H));
      expect(maxAbsError(gB.dx, toBt(gT.dx, I))).toBe(0);
      expect(maxAbsError(gB.dKernel, gT.dKernel)).toBe(0);
      expect(maxAbsError(gB.dRecurrentKernel, gT.dRecurrentKernel)).toBe(0);
      expect(maxAbsError(gB.dBias, gT.dBias)).toBe(0);
    } finally {
      tm.dispose();
      bm.dispose();
      setThreads(before);
    }
  });

  it('sgemmGflops measures oneDNN sgemm at a thread count and leaves the thread setting alone', () => {
    const before = loadNativeLstm().threads;
    const g = sgemmGflops(256, 1, 2);
    expect(Number.isFinite(g) && g > 0).toBe(true);
    expect(loadNativeLstm().threads).toBe(before);
    expect(() => sgemmGflops(0, 1)).toThrow(/n must be in 1\.\.8192/);
  });

  it('resize() re-creates workspaces for new T/B and stays correct', () => {
    const c = shapes[0];
    const layer = make(c.dims);
    const dims2 = { ...c.dims, T: 4, B: 6 };
    layer.resize({ T: 4, B: 6 });
    expect(layer.dims).toEqual(dims2);
    const { w, x, dyAll } = makeCase({ dims: dims2, seed: 42 });
    const ref = refForward(dims2, refW(w), x);
    const want = refBackward(dims2, refW(w), x, ref, dyAll);
    const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
    expect(maxAbsError(y, ref.y)).toBeLessThan(FWD_TOL);
    const g = layer.backward(dyAll);
    expect(maxRelError(g.dRecurrentKernel, want.dRecurrentKernel)).toBeLessThan(GRAD_TOL);
  });

  it('async forward/backward give the same results and block concurrent use', async () => {
    const c = shapes[3];
    const { w, x, dyAll } = makeCase(c);
    const layer = make(c.dims);
    const y = layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
    const g = layer.backward(dyAll);
    const pending = layer.forwardAsync(x, w.kernel, w.recurrentKernel, w.bias, { training: true });
    expect(() => layer.backward(dyAll)).toThrow(/busy/);
    const ya = await pending;
    const ga = await layer.backwardAsync(dyAll);
    expect(Array.from(ya)).toEqual(Array.from(y));
    expect(Array.from(ga.dRecurrentKernel)).toEqual(Array.from(g.dRecurrentKernel));
    expect(Array.from(ga.dx)).toEqual(Array.from(g.dx));
  });

  it('async calls on different layers run one at a time and stay correct (shared scratchpad)', async () => {
    const cases = [shapes[4], shapes[1], shapes[3]];
    const runs = cases.map((c) => {
      const { w, x, dyAll } = makeCase(c);
      const ref = refForward(c.dims, refW(w), x);
      return { c, w, x, dyAll, ref, want: refBackward(c.dims, refW(w), x, ref, dyAll), layer: make(c.dims) };
    });
    const ys = await Promise.all(
      runs.map((r) => r.layer.forwardAsync(r.x, r.w.kernel, r.w.recurrentKernel, r.w.bias, { training: true })),
    );
    const gs = await Promise.all(runs.map((r) => r.layer.backwardAsync(r.dyAll)));
    runs.forEach((r, i) => {
      expect(maxAbsError(ys[i], r.ref.y)).toBeLessThan(FWD_TOL);
      expect(maxRelError(gs[i].dRecurrentKernel, r.want.dRecurrentKernel)).toBeLessThan(GRAD_TOL);
      expect(maxRelError(gs[i].dx, r.want.dx)).toBeLessThan(GRAD_TOL);
    });
    expect(sharedScratchpadBytes()).toBeGreaterThan(0);
    expect(runs[0].layer.nativeMemory().workspace).toBeGreaterThan(0);
  });

  // The second layer copies its batch-major x in while the first computes: on the calling thread
  // alone (it does not wait for the other compute), with the same results.
  it('async calls on batch-major layers overlap their copies with another compute and stay exact', async () => {
    const T = 40, B = 32, I = 64, H = 64;
    const layers = [0, 1].map(() => new NativeLstmLayer({ T, B, I, H, batchMajor: true }));
    try {
      const xs = [31, 32].map((seed) => randomF32(T * B * I, 1, seed));
      const w = { k: randomF32(I * 4 * H, 0.3, 4), rk: randomF32(H * 4 * H, 0.3, 5), b: randomF32(4 * H, 0.1, 6) };
      const dy = randomF32(T * B * H, 1, 7);
      const want = layers.map((l, i) => {
        const y = l.forward(xs[i], w.k, w.rk, w.b, { training: true });
        return { y, g: l.backward(dy) };
      });
      const ys = await Promise.all(layers.map((l, i) => l.forwardAsync(xs[i], w.k, w.rk, w.b, { training: true })));
      const gs = await Promise.all(layers.map((l) => l.backwardAsync(dy)));
      layers.forEach((_, i) => {
        expect(maxAbsError(ys[i], want[i].y)).toBe(0);
        expect(maxAbsError(gs[i].dx, want[i].g.dx)).toBe(0);
        expect(maxAbsError(gs[i].dKernel, want[i].g.dKernel)).toBe(0);
      });
    } finally {
      layers.forEach((l) => l.dispose());
    }
  });

  it('bench helpers run on a tiny stack and restore the thread count', () => {
    const before = loadNativeLstm().threads;
    const r = benchNativeLstm({ T: 3, B: 2, I: 2, H: [3, 4], threads: 1, repeats: 1, warmup: 0 });
    expect(r.threads).toBe(1);
    expect(r.layers).toEqual([
      { I: 2, H: 3 },
      { I: 3, H: 4 },
    ]);
    expect(r.msPerBatch).toBeGreaterThan(0);
    expect(r.nativeBytes).toBeGreaterThan(0);
    const s = benchNativeLstmStep({ I: 2, H: [3, 4], steps: 3 });
    expect(s.msPerStep).toBeGreaterThan(0);
    expect(loadNativeLstm().threads).toBe(before);
  });

  it('rejects bad input with clear errors', () => {
    const c = shapes[0];
    const { T, B, I, H } = c.dims;
    const { w, x } = makeCase(c);
    const layer = make(c.dims);
    expect(() => layer.backward(new Float32Array(T * B * H))).toThrow(/forward/);
    expect(() => layer.forward(x.subarray(1), w.kernel, w.recurrentKernel, w.bias, { training: true })).toThrow(
      /x has length/,
    );
    expect(() =>
      layer.forward(x, w.kernel, w.recurrentKernel, new Float32Array(3), { training: true }),
    ).toThrow(/bias has length/);
    expect(() =>
      layer.forward(Array.from(x) as unknown as Float32Array, w.kernel, w.recurrentKernel, w.bias, { training: true }),
    ).toThrow(/Float32Array/);
    layer.forward(x, w.kernel, w.recurrentKernel, w.bias, { training: false });
    expect(() => layer.backward(new Float32Array(T * B * H))).toThrow(/training: true/);
    expect(() => new NativeLstmLayer({ T: 0, B: 1, I: 1, H: 1 })).toThrow(/positive integer/);
    expect(() => layer.step(new Float32Array(I + 1), new Float32Array(H), new Float32Array(H))).toThrow(/multiple of I/);
    layer.dispose();
    expect(() => layer.forward(x, null, null, null, { training: false })).toThrow(/disposed/);
    layer.dispose(); // idempotent
  });
});

describeNative('sgemm (the Dense layers of a step)', () => {
  afterAll(() => setThreads(1));

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('row-major op(A)·op(B) + bias, transA %s transB %s, at 1 and 2 threads', (transA, transB) => {
    const [M, N, K] = [37, 53, 29];
    const a = randomF32(M * K, 1, 11);
    const b = randomF32(K * N, 1, 12);
    const bias = randomF32(N, 1, 13);
    const at = (i: number, k: number) => (transA ? a[k * M + i] : a[i * K + k]);
    const bt = (k: number, j: number) => (transB ? b[j * K + k] : b[k * N + j]);
    for (const threads of [1, 2]) {
      setThreads(threads);
      const c = new Float32Array(M * N).fill(NaN);
      sgemm(a, b, c, { M, N, K, transA, transB }, bias);
      let worst = 0;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = bias[j];
          for (let k = 0; k < K; k++) s += at(i, k) * bt(k, j);
          worst = Math.max(worst, Math.abs(s - c[i * N + j]));
        }
      }
      expect(worst).toBeLessThan(1e-4);
    }
    expect(() => sgemm(a, b, new Float32Array(3), { M, N, K })).toThrow("sgemm(c): 3 elements, expected 1961");
  });
});
