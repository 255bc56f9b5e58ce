import * as tf from '@tensorflow/tfjs';

/**
 * The element-wise part of one LSTM time step, forward and backward, as single kernels.
 *
 * Written with tf ops, one step is ~12 kernel launches and as many temporaries; here it is one
 * pass over memory, reading the hoisted input projection and the saved sequences at step `t`
 * in place (no per-step slice of a [T,B,·] tensor). Registered for the `wasm` and `cpu` backends;
 * on any other backend `lstmCellForward` / `lstmCellBackward` fall back to the same math in tf ops.
 *
 * Gate order i, f, g (= c̃), o, as in Keras / tfjs / oneDNN.
 */

export const LSTM_CELL_FORWARD = 'PianoLstmCellForward';
export const LSTM_CELL_BACKWARD = 'PianoLstmCellBackward';

type Arr = Float32Array;
interface Io {
  /** Reads an input's values without copying. */
  read(t: tf.TensorInfo): Arr;
  /** Allocates outputs and returns them with writable views (views taken after every allocation). */
  alloc(shapes: number[][]): { infos: tf.TensorInfo[]; views: Arr[] };
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}
interface CpuLike {
  data: { get(id: tf.DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

function wasmIo(backend: WasmLike): Io {
  return {
    read: (t) => backend.typedArrayFromHeap(t) as Arr,
    alloc: (shapes) => {
      const infos = shapes.map((s) => backend.makeOutput(s, 'float32'));
      return { infos, views: infos.map((i) => backend.typedArrayFromHeap(i) as Arr) };
    },
  };
}

function cpuIo(backend: CpuLike): Io {
  return {
    read: (t) => backend.data.get(t.dataId).values as Arr,
    alloc: (shapes) => {
      const views = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
      return { infos: shapes.map((s, i) => backend.makeTensorInfo(s, 'float32', views[i])), views };
    },
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface CellForwardAttrs {
  /** Step whose slice of `zx` ([T,B,4H]) is used. */
  t: number;
}

/**
 * z = zx[t] + r;  i, f, o = σ(z_i, z_f, z_o);  g = tanh(z_g);  c = f·cPrev + i·g;  h = o·tanh(c).
 * Outputs the activated gates [B,4H], c [B,H] and h [B,H].
 */
function cellForward(io: Io, zxI: tf.TensorInfo, rI: tf.TensorInfo, cPrevI: tf.TensorInfo, t: number): tf.TensorInfo[] {
  const [B, H4] = rI.shape;
  const H = H4 / 4;
  const { infos, views } = io.alloc([[B, H4], [B, H], [B, H]]);
  const [gates, c, h] = views;
  const zx = io.read(zxI);
  const r = io.read(rI);
  const cPrev = io.read(cPrevI);
  const zOff = t * B * H4;
  for (let b = 0; b < B; b++) {
    const gb = b * H4;
    const zb = zOff + gb;
    const sb = b * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(zx[zb + j] + r[gb + j]);
      const f = sigmoid(zx[zb + H + j] + r[gb + H + j]);
      const g = Math.tanh(zx[zb + 2 * H + j] + r[gb + 2 * H + j]);
      const o = sigmoid(zx[zb + 3 * H + j] + r[gb + 3 * H + j]);
      const cj = f * cPrev[sb + j] + i * g;
      gates[gb + j] = i;
      gates[gb + H + j] = f;
      gates[gb + 2 * H + j] = g;
      gates[gb + 3 * H + j] = o;
      c[sb + j] = cj;
      h[sb + j] = o * Math.tanh(cj);
    }
  }
  return infos;
}

export interface CellBackwardAttrs {
  t: number;
  /** Whether the `dy` input ([T,B,H]) holds a gradient for every step, added to `dh` at step t. */
  withDy: boolean;
}

/**
 * Backward of one step from the saved activated gates [T,B,4H] and cells [T,B,H]:
 * given dh (from above and from step t+1) and dc from step t+1, returns dz [B,4H] (gradient of
 * the pre-activations) and dcPrev [B,H].
 */
function cellBackward(
  io: Io,
  gatesI: tf.TensorInfo,
  csI: tf.TensorInfo,
  dhI: tf.TensorInfo,
  dcI: tf.TensorInfo,
  dyI: tf.TensorInfo | undefined,
  t: number,
): tf.TensorInfo[] {
  const [B, H] = dhI.shape;
  const H4 = 4 * H;
  const { infos, views } = io.alloc([[B, H4], [B, H]]);
  const [dz, dcPrev] = views;
  const gates = io.read(gatesI);
  const cs = io.read(csI);
  const dhIn = io.read(dhI);
  const dcIn = io.read(dcI);
  const dy = dyI ? io.read(dyI) : null;
  const gOff = t * B * H4;
  const cOff = t * B * H;
  const pOff = (t - 1) * B * H;
  const yOff = t * B * H;
  for (let b = 0; b < B; b++) {
    const gb = gOff + b * H4;
    const zb = b * H4;
    const sb = b * H;
    for (let j = 0; j < H; j++) {
      const i = gates[gb + j];
      const f = gates[gb + H + j];
      const g = gates[gb + 2 * H + j];
      const o = gates[gb + 3 * H + j];
      const tc = Math.tanh(cs[cOff + sb + j]);
      const cp = t > 0 ? cs[pOff + sb + j] : 0;
      const dh = dy ? dhIn[sb + j] + dy[yOff + sb + j] : dhIn[sb + j];
      const dc = dcIn[sb + j] + dh * o * (1 - tc * tc);
      dz[zb + j] = dc * g * i * (1 - i);
      dz[zb + H + j] = dc * cp * f * (1 - f);
      dz[zb + 2 * H + j] = dc * i * (1 - g * g);
      dz[zb + 3 * H + j] = dh * tc * o * (1 - o);
      dcPrev[sb + j] = dc * f;
    }
  }
  return infos;
}

type Ins = Record<string, tf.TensorInfo | undefined>;

function forwardKernel(makeIo: (backend: never) => Io): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const ins = inputs as Ins;
    const { t } = attrs as unknown as CellForwardAttrs;
    return cellForward(makeIo(backend as never), ins.zx!, ins.r!, ins.cPrev!, t);
  };
}

function backwardKernel(makeIo: (backend: never) => Io): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const ins = inputs as Ins;
    const { t, withDy } = attrs as unknown as CellBackwardAttrs;
    return cellBackward(makeIo(backend as never), ins.gates!, ins.cs!, ins.dh!, ins.dc!, withDy ? ins.dy : undefined, t);
  };
}

let registered = false;

/** Registers the two cell kernels for the `wasm` and `cpu` backends (idempotent). */
export function registerLstmCellKernels(): void {
  if (registered) return;
  const backends: [string, (b: never) => Io][] = [
    ['wasm', wasmIo as (b: never) => Io],
    ['cpu', cpuIo as (b: never) => Io],
  ];
  for (const [backendName, io] of backends) {
    for (const [kernelName, make] of [
      [LSTM_CELL_FORWARD, forwardKernel],
      [LSTM_CELL_BACKWARD, backwardKernel],
    ] as const) {
      if (!tf.getKernel(kernelName, backendName)) {
        tf.registerKernel({ kernelName, backendName, kernelFunc: make(io) });
      }
    }
  }
  registered = true;
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** One forward step; see `cellForward`. Returns [gates [B,4H], c [B,H], h [B,H]]. */
export function lstmCellForward(zx: tf.Tensor3D, r: tf.Tensor2D, cPrev: tf.Tensor2D, t: number): tf.Tensor2D[] {
  registerLstmCellKernels();
  if (hasKernel(LSTM_CELL_FORWARD)) {
    const attrs: CellForwardAttrs = { t };
    return tf.engine().runKernel(LSTM_CELL_FORWARD, { zx, r, cPrev }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
  }
  return lstmCellForwardOps(zx, r, cPrev, t);
}

/** The same step composed of tf ops, for backends without the kernel (and as a reference in tests). */
export function lstmCellForwardOps(zx: tf.Tensor3D, r: tf.Tensor2D, cPrev: tf.Tensor2D, t: number): tf.Tensor2D[] {
  return tf.tidy(() => {
    const [, B, H4] = zx.shape;
    const z = tf.add(tf.reshape(tf.slice(zx, [t, 0, 0], [1, B, H4]), [B, H4]), r);
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    const i = tf.sigmoid(zi);
    const f = tf.sigmoid(zf);
    const g = tf.tanh(zg);
    const o = tf.sigmoid(zo);
    const c = tf.add(tf.mul(f, cPrev), tf.mul(i, g));
    const h = tf.mul(o, tf.tanh(c));
    return [tf.concat([i, f, g, o], 1), c, h] as tf.Tensor2D[];
  });
}

/** One backward step; see `cellBackward`. Returns [dz [B,4H], dcPrev [B,H]]. */
export function lstmCellBackward(
  gates: tf.Tensor3D,
  cs: tf.Tensor3D,
  dh: tf.Tensor2D,
  dc: tf.Tensor2D,
  dy: tf.Tensor3D | null,
  t: number,
): tf.Tensor2D[] {
  registerLstmCellKernels();
  if (hasKernel(LSTM_CELL_BACKWARD)) {
    const attrs: CellBackwardAttrs = { t, withDy: dy !== null };
    const inputs: Record<string, tf.Tensor> = { gates, cs, dh, dc };
    if (dy) inputs.dy = dy;
    return tf.engine().runKernel(LSTM_CELL_BACKWARD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
  }
  return lstmCellBackwardOps(gates, cs, dh, dc, dy, t);
}

export function lstmCellBackwardOps(
  gates: tf.Tensor3D,
  cs: tf.Tensor3D,
  dhRec: tf.Tensor2D,
  dcNext: tf.Tensor2D,
  dy: tf.Tensor3D | null,
  t: number,
): tf.Tensor2D[] {
  return tf.tidy(() => {
    const [, B, H4] = gates.shape;
    const H = H4 / 4;
    const at = <R extends tf.Tensor3D>(x: R, s: number, w: number) => tf.reshape(tf.slice(x, [s, 0, 0], [1, B, w]), [B, w]);
    const [i, f, g, o] = tf.split(at(gates, t, H4), 4, 1);
    const c = at(cs, t, H);
    const cp = t > 0 ? at(cs, t - 1, H) : tf.zerosLike(c);
    const dh = dy ? tf.add(dhRec, at(dy, t, H)) : dhRec;
    const tc = tf.tanh(c);
    const one = tf.scalar(1);
    const dcT = tf.add(dcNext, tf.mul(tf.mul(dh, o), tf.sub(one, tf.square(tc))));
    const dsig = (y: tf.Tensor) => tf.mul(y, tf.sub(one, y));
    const dzi = tf.mul(tf.mul(dcT, g), dsig(i));
    const dzf = tf.mul(tf.mul(dcT, cp), dsig(f));
    const dzg = tf.mul(tf.mul(dcT, i), tf.sub(one, tf.square(g)));
    const dzo = tf.mul(tf.mul(dh, tc), dsig(o));
    return [tf.concat([dzi, dzf, dzg, dzo], 1), tf.mul(dcT, f)] as tf.Tensor2D[];
  });
}
