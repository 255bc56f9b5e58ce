import * as tf from '@tensorflow/tfjs';
import { loadedNativeModule } from './native-lstm-math';

/**
 * Replacements for tfjs-backend-wasm 4.22 kernels that fall off the fast path, plus the one kernel
 * it lacks. They change no results, only where the time goes:
 *
 * - `Slice`, `Unpack`, `SplitV`: the stock kernels call `backend.readSync`, which copies the whole
 *   input out of the wasm heap for every slice; taking one step out of a [T,B,…] sequence T times
 *   then costs O(T²). These read the heap through views instead.
 * - `BatchMatMul`, `_FusedMatMul`: with `transposeA`/`transposeB` the wasm kernel drops to a scalar
 *   loop (~15–30× slower than its SIMD path). Every matMul gradient uses a transposed operand, so
 *   the operand is transposed explicitly first.
 * - `UnsortedSegmentSum` (the gradient of `gather`, i.e. of an embedding) has no wasm kernel at
 *   all, so training an embedding on wasm throws.
 * - `BatchMatMul`, `_FusedMatMul` once more: when this process has loaded the native addon (a
 *   native LSTM engine), products of at least 2²⁰ multiply-adds go to oneDNN's sgemm on the
 *   addon's threads (transposes read in place, a bias added there; other fused activations stay on
 *   wasm): the Dense layers and the every-step output heads of a training step. Results differ from
 *   wasm's only in the order of the sums (~1e-7 relative).
 * - `Identity` (`clone`, and the engine's copy of every tensor a kernel saves for its gradient):
 *   the stock kernel copies the memory; tensors are immutable, so the clone shares it, as on the
 *   cpu backend and as wasm's own `Reshape` does (seed-doc: ~70 ms of copies per training step).
 *
 * Registration is idempotent and only touches the `wasm` backend's kernel table.
 */

type KernelArgs = {
  inputs: Record<string, tf.TensorInfo | undefined>;
  attrs?: Record<string, unknown>;
  backend: unknown;
};
type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** The public surface of tfjs-backend-wasm's BackendWasm that the kernels below use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
}

const BACKEND = 'wasm';
let registered = false;

/** True once `registerFastWasmKernels` has replaced the wasm kernels in this process. */
export function fastWasmKernelsRegistered(): boolean {
  return registered;
}

function stockKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, BACKEND);
  if (!k) throw new Error(`tfjs-backend-wasm has no '${name}' kernel: import '@tensorflow/tfjs-backend-wasm' first`);
  return k.kernelFunc as unknown as KernelFunc;
}

function replaceKernel(name: string, kernelFunc: KernelFunc): void {
  const stock = tf.getKernel(name, BACKEND);
  if (stock) tf.unregisterKernel(name, BACKEND);
  // The stock setupFunc binds the wasm exports the stock kernelFunc calls (we delegate to it); it
  // runs when the backend initializes, or has run already if it is initialized.
  tf.registerKernel({
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
  });
}

/**
 * Copies the box `begin`/`size` of `src` (shape `shape`) into `dst`, moving the longest contiguous
 * run at a time.
 */
export function copyBox(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  dst: { set(a: ArrayLike<number>, offset: number): void },
): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const stride = (d: number) => (d === rank - 1 ? 1 : strides[d]);
  // Dims after `k` are taken whole, so one run covers size[k] * stride(k) elements.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = rank === 0 ? 1 : size[k] * stride(k);
  const idx = new Array<number>(k).fill(0);
  let out = 0;
  for (;;) {
    let off = rank === 0 ? 0 : begin[k] * stride(k);
    for (let d = 0; d < k; d++) off += (begin[d] + idx[d]) * stride(d);
    dst.set(src.subarray(off, off + run), out);
    out += run;
    let d = k - 1;
    while (d >= 0) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
}

function viewSlice(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  // Views are taken after makeOutput: allocating may grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x);
  copyBox(src, x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

function sliceKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
    return viewSlice(args.backend as WasmBackendLike, x, begin, size);
  };
}

function unpackKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const value = args.inputs.value as tf.TensorInfo;
    if (value.dtype === 'string') return stock(args);
    const backend = args.backend as WasmBackendLike;
    const rank = value.shape.length;
    let axis = (args.attrs as { axis: number }).axis;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]; i++) {
      begin[axis] = i;
      const piece = viewSlice(backend, value, begin, size);
      outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
    }
    return outs;
  };
}

function splitVKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const backend = args.backend as WasmBackendLike;
    const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const piece = viewSlice(backend, x, begin, size);
      begin[axis] += s;
      return piece;
    });
  };
}

/** Below this many multiply-adds a product stays on wasm (the addon call and its threads cost ~µs). */
export const NATIVE_MATMUL_MIN_MACS = 1 << 20;

/**
 * The product on the addon's sgemm, or undefined to leave it to wasm: float32, batch dims equal or
 * one side unbatched, no activation but linear, bias (if any) a vector over the columns.
 */
function nativeMatMul(args: KernelArgs): tf.TensorInfo | undefined {
  const mod = loadedNativeModule();
  if (!mod) return undefined;
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const bias = args.inputs.bias as tf.TensorInfo | undefined;
  const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return undefined;
  if (args.inputs.preluActivationWeights || (attrs.activation && attrs.activation !== 'linear')) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const M = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const nA = tf.util.sizeFromShape(batchA);
  const nB = tf.util.sizeFromShape(batchB);
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && nA !== 1 && nB !== 1) return undefined;
  if (M * N * K < NATIVE_MATMUL_MIN_MACS) return undefined;
  if (bias && tf.util.sizeFromShape(bias.shape) !== N) return undefined;
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  const batches = Math.max(nA, nB);
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([...batchShape, M, N], 'float32');
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  const cv = backend.typedArrayFromHeap(out) as Float32Array;
  const biasv = bias ? (backend.typedArrayFromHeap(bias) as Float32Array) : undefined;
  for (let i = 0; i < batches; i++) {
    const ai = nA === 1 ? 0 : i;
    const bi = nB === 1 ? 0 : i;
    mod.sgemm(
      av.subarray(ai * M * K, (ai + 1) * M * K),
      bv.subarray(bi * K * N, (bi + 1) * K * N),
      cv.subarray(i * M * N, (i + 1) * M * N),
      { M, N, K, transA: attrs.transposeA, transB: attrs.transposeB },
      biasv,
    );
  }
  return out;
}

function matMulKernel(stock: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const native = nativeMatMul(args);
    if (native) return native;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return stock(args);
    const backend = args.backend as WasmBackendLike;
    const temps: tf.TensorInfo[] = [];
    const materialize = (x: tf.TensorInfo): tf.TensorInfo => {
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      const t = transpose({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
      temps.push(t);
      return t;
    };
    const inputs = { ...args.inputs };
    if (attrs.transposeA) inputs.a = materialize(inputs.a as tf.TensorInfo);
    if (attrs.transposeB) inputs.b = materialize(inputs.b as tf.TensorInfo);
    try {
      return stock({ inputs, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** A clone that shares its input's memory (one more reference to it). */
function identityKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    (args.backend as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** Segment sums over the leading `segmentIds.rank` dims; ids outside [0, numSegments) are dropped, as in TF. */
function unsortedSegmentSumKernel(): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const ids = args.inputs.segmentIds as tf.TensorInfo;
    const numSegments = (args.attrs as { numSegments: number }).numSegments;
    const backend = args.backend as WasmBackendLike;
    const n = tf.util.sizeFromShape(ids.shape);
    const innerShape = x.shape.slice(ids.shape.length);
    const inner = tf.util.sizeFromShape(innerShape);
    const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
    const o = backend.typedArrayFromHeap(out);
    const xv = backend.typedArrayFromHeap(x);
    const iv = backend.typedArrayFromHeap(ids);
    o.fill(0);
    for (let r = 0; r < n; r++) {
      const s = iv[r];
      if (s < 0 || s >= numSegments) continue;
      const src = r * inner;
      const dst = s * inner;
      for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
    }
    return out;
  };
}

/**
 * Installs the faster wasm kernels described above. Call after importing
 * `@tensorflow/tfjs-backend-wasm` (before or after `tf.setBackend('wasm')`).
 */
export function registerFastWasmKernels(): void {
  if (registered) return;
  const transpose = stockKernel('Transpose');
  replaceKernel('Slice', sliceKernel(stockKernel('Slice')));
  replaceKernel('Unpack', unpackKernel(stockKernel('Unpack')));
  replaceKernel('SplitV', splitVKernel(stockKernel('SplitV')));
  replaceKernel('BatchMatMul', matMulKernel(stockKernel('BatchMatMul'), transpose));
  replaceKernel('_FusedMatMul', matMulKernel(stockKernel('_FusedMatMul'), transpose));
  replaceKernel('UnsortedSegmentSum', unsortedSegmentSumKernel());
  replaceKernel('Identity', identityKernel(stockKernel('Identity')));
  registered = true;
}
