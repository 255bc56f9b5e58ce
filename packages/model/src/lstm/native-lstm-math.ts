import * as tf from '@tensorflow/tfjs';
import { LstmSequenceMath, LstmForwardResult, LstmGradients, LstmSequenceInputs } from './lstm-sequence-math';
import type { WasmBackendLike } from './fast-wasm-kernels';
import { defaultNativeThreads } from './native-threads';

/**
 * The parts of `@piano-lstm/native-lstm` used here. The addon is optional (it needs libdnnl and a
 * compiler at install time), so it is required lazily and this package does not depend on it.
 */
interface NativeDims {
  T: number;
  B: number;
  I: number;
  H: number;
  batchMajor?: boolean;
}
export interface NativeLayer {
  readonly dims: Readonly<NativeDims>;
  resize(dims: { T: number; B: number }): void;
  forward(
    x: Float32Array,
    kernel: Float32Array | null,
    recurrentKernel: Float32Array | null,
    bias: Float32Array | null,
    opts: { training: boolean; out?: Float32Array },
  ): Float32Array;
  backward(
    dy: Float32Array,
    opts?: { out?: Partial<Record<'dx' | 'dKernel' | 'dRecurrentKernel' | 'dBias', Float32Array>> },
  ): { dx: Float32Array; dKernel: Float32Array; dRecurrentKernel: Float32Array; dBias: Float32Array };
  setWeights(kernel: Float32Array, recurrentKernel: Float32Array, bias: Float32Array): void;
  step(x: Float32Array, h: Float32Array, c: Float32Array): { h: Float32Array; c: Float32Array };
  dispose(): void;
}
interface NativeModule {
  loadNativeLstm(): { available: boolean; reason?: string; version?: string; threads: number; ompWait?: string };
  setThreads(n: number): void;
  sgemmGflops(n: number, threads: number, repeats?: number): number;
  benchNativeLstm(opts: NativeStackBenchOptions): { msPerBatch: number; cpuMs: number; threads: number };
  NativeLstmLayer: new (dims: NativeDims) => NativeLayer;
  dropout(x: Float32Array, out: Float32Array, rate: number, seed: number): void;
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, dims: { M: number; N: number; K: number; transA?: boolean; transB?: boolean }, bias?: Float32Array): void;
  rmspropUpdate(a: NativeOptimizerArrays, c: { learningRate: number; decay: number; momentum: number; epsilon: number }): void;
  adamUpdate(
    a: NativeOptimizerArrays,
    c: { learningRate: number; beta1: number; beta2: number; epsilon: number; oneMinusAccBeta1: number; oneMinusAccBeta2: number },
  ): void;
}

export interface NativeOptimizerArrays {
  w: Float32Array;
  g: Float32Array;
  slots: [Float32Array, Float32Array];
  wOut: Float32Array;
  slotsOut: [Float32Array, Float32Array];
}

let loaded: { mod?: NativeModule; reason?: string } | undefined;

function loadModule(): { mod?: NativeModule; reason?: string } {
  if (loaded) return loaded;
  try {
    const mod = require('@piano-lstm/native-lstm') as NativeModule;
    const st = mod.loadNativeLstm();
    loaded = st.available ? { mod } : { reason: st.reason ?? 'the oneDNN addon is unavailable' };
  } catch (e) {
    loaded = { reason: `@piano-lstm/native-lstm could not be loaded (${(e as Error).message.split('\n')[0]})` };
  }
  return loaded;
}

/**
 * The addon when this process has already loaded it (a native engine, or `auto`'s check for one),
 * else undefined: nothing loads the addon just for dropout or an optimizer step. Its dropout and
 * optimizer updates run on the native engine's threads and compute exactly what the JS / tfjs
 * paths compute.
 */
export function loadedNativeModule(): NativeModule | undefined {
  const mod = loaded?.mod;
  if (!mod) return undefined;
  if (!threadsChosen) nativeThreads();
  return mod;
}

/**
 * One line on the native engine for bench output, e.g. "oneDNN 2.6.3 (omp), OpenMP wait short-spin"
 * (undefined when the addon is unavailable). Does not choose the thread count.
 */
export function nativeEngineDescription(): string | undefined {
  const mod = loadModule().mod;
  if (!mod) return undefined;
  const st = mod.loadNativeLstm();
  return `${st.version ?? 'oneDNN'}, OpenMP wait ${st.ompWait ?? 'unknown'}`;
}

/** The loaded addon, or an error with the one-line reason it is unavailable (`hint`: what to do instead). */
function moduleOrThrow(hint = ''): NativeModule {
  const l = loadModule();
  if (!l.mod) throw new Error(`lstm 'native' is unavailable: ${l.reason}${hint}`);
  return l.mod;
}

const USE_FUSED = ' (use lstm: fused or auto)';

/** Whether the oneDNN LSTM can run here, and if not, one line saying why. */
export function nativeLstmStatus(): { available: boolean; reason?: string } {
  const l = loadModule();
  return l.mod ? { available: true } : { available: false, reason: l.reason };
}

/** A fresh addon layer (I and H fixed, T and B resizable); throws the one-line reason when the addon is absent. */
export function newNativeLayer(dims: NativeDims): NativeLayer {
  return new (moduleOrThrow(USE_FUSED).NativeLstmLayer)(dims);
}

/** Whether the process-wide thread count was chosen (by setNativeThreads or the default). */
let threadsChosen = false;

/**
 * OpenMP threads of the addon (process-wide); overrides the default (one per core idle when the
 * first native layer is created, see native-threads.ts).
 */
export function setNativeThreads(n: number): void {
  moduleOrThrow().setThreads(n);
  threadsChosen = true;
}

/** The thread count in effect for the native engine, choosing the default on first use. */
export function nativeThreads(): number {
  const mod = moduleOrThrow();
  if (!threadsChosen) {
    const n = defaultNativeThreads();
    if (n !== undefined) mod.setThreads(n);
    threadsChosen = true;
  }
  return mod.loadNativeLstm().threads;
}

export interface NativeStackBenchOptions {
  T: number;
  B: number;
  I: number;
  H: number[];
  threads: number;
  warmup: number;
  repeats: number;
}

/** Forward+backward of an LSTM stack alone on the addon, buffers reused (its `benchNativeLstm`). */
export function benchNativeStack(opts: NativeStackBenchOptions): { msPerBatch: number; cpuMs: number; threads: number } {
  return moduleOrThrow().benchNativeLstm(opts);
}

/** oneDNN's own n³ sgemm GFLOP/s on `threads` threads (the bench's same-process ceiling). */
export function nativeSgemmGflops(n: number, threads: number): number {
  return moduleOrThrow().sgemmGflops(n, threads);
}

/**
 * Runs `call` with the values of `inputs` and writable arrays for outputs of `shapes`, and returns
 * those outputs as tensors. On wasm the arrays are views on the tensors' heap memory (taken after
 * every allocation of the call; `call` must not allocate tensors: a heap growth detaches them), so
 * the addon copies straight in and out and a step makes no JS copies and no garbage. Elsewhere
 * inputs go through dataSync and outputs are fresh arrays (the cpu backend keeps the array it is
 * given, so none is reused).
 */
export function withTensorMemory(inputs: tf.Tensor[], shapes: number[][], call: (ins: Float32Array[], outs: Float32Array[]) => void): tf.Tensor[] {
  if (tf.getBackend() === 'wasm') {
    const heap = tf.backend() as unknown as WasmBackendLike;
    const infos = shapes.map((sh) => heap.makeOutput(sh, 'float32'));
    const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t) as Float32Array;
    call(inputs.map(view), infos.map(view));
    return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info));
  }
  const outs = shapes.map((sh) => new Float32Array(tf.util.sizeFromShape(sh)));
  call(
    inputs.map((t) => t.dataSync() as Float32Array),
    outs,
  );
  return outs.map((o, i) => tf.tensor(o, shapes[i]));
}

/**
 * LSTM forward/backward on the oneDNN addon. The addon keeps the forward's workspace for the
 * backward, so each layer owns one engine; a backward that does not follow its own forward (the
 * layer was called again in between) recomputes the forward first. No recurrent dropout: oneDNN's
 * cell has no hook for a mask on h. Nothing is allocated per step beyond the result tensors.
 */
export class NativeLstmMath implements LstmSequenceMath {
  readonly name = 'native' as const;
  readonly supportsRecurrentDropout = false;
  /** The addon takes and returns [B,T,·] (transposing as it copies), so the layer's transposes vanish. */
  readonly batchMajor = true;
  private layer: NativeLayer | undefined;
  private lastForward = 0;
  private forwards = 0;
  /** [B,T,H] gradient of a last-step-only layer: zero but for the last step (kept zero between calls). */
  private dyFull: Float32Array | undefined;

  constructor() {
    moduleOrThrow(USE_FUSED);
    nativeThreads();
  }

  private layerFor(T: number, B: number, I: number, H: number): NativeLayer {
    const d = this.layer?.dims;
    if (this.layer && d!.I === I && d!.H === H) {
      this.layer.resize({ T, B });
    } else {
      this.layer?.dispose();
      this.layer = newNativeLayer({ T, B, I, H, batchMajor: true });
    }
    return this.layer;
  }

  private run(inp: LstmSequenceInputs, training: boolean): tf.Tensor3D {
    const [B, T, I] = inp.xTm.shape;
    const H = inp.recurrentKernel.shape[0];
    const layer = this.layerFor(T, B, I, H);
    const [y] = withTensorMemory([inp.xTm, inp.kernel, inp.recurrentKernel, inp.bias], [[B, T, H]], ([x, k, rk, b], [out]) =>
      layer.forward(x, k, rk, b, { training, out }),
    );
    if (training) this.lastForward = ++this.forwards;
    return y as tf.Tensor3D;
  }

  forward(inp: LstmSequenceInputs, returnSequences: boolean, needGrad: boolean): LstmForwardResult {
    if (inp.recurrentMask) throw new Error("lstm 'native' does not support recurrentDropout (use lstm: fused)");
    return tf.tidy(() => {
      const ys = this.run(inp, needGrad);
      const [B, T, H] = ys.shape;
      const y = returnSequences ? ys : tf.reshape(tf.slice(ys, [0, T - 1, 0], [B, 1, H]), [B, H]);
      return { y, saved: needGrad ? [tf.scalar(this.lastForward, 'int32')] : [] };
    });
  }

  backward(dy: tf.Tensor, inp: LstmSequenceInputs, saved: tf.Tensor[], returnSequences: boolean): LstmGradients {
    const [B, T, I] = inp.xTm.shape;
    const H = inp.recurrentKernel.shape[0];
    const token = saved[0].dataSync()[0];
    if (token !== this.lastForward || !this.layer) tf.dispose(this.run(inp, true));
    // oneDNN has no last-step-only mode: the gradient is zero for every other step (only the last
    // step of each sequence is ever written, so the rest stays zero between calls).
    if (!returnSequences && this.dyFull?.length !== T * B * H) this.dyFull = new Float32Array(T * B * H);
    const shapes = [[B, T, I], [I, 4 * H], [H, 4 * H], [4 * H]];
    const [dx, dKernel, dRecurrentKernel, dBias] = withTensorMemory([dy], shapes, ([dyv], [dx, dKernel, dRecurrentKernel, dBias]) => {
      let dyFull = dyv;
      if (!returnSequences) {
        dyFull = this.dyFull!;
        for (let b = 0; b < B; b++) dyFull.set(dyv.subarray(b * H, (b + 1) * H), (b * T + T - 1) * H);
      }
      this.layer!.backward(dyFull, { out: { dx, dKernel, dRecurrentKernel, dBias } });
    });
    return {
      dxTm: dx as tf.Tensor3D,
      dKernel: dKernel as tf.Tensor2D,
      dRecurrentKernel: dRecurrentKernel as tf.Tensor2D,
      dBias: dBias as tf.Tensor1D,
    };
  }

  dispose(): void {
    this.layer?.dispose();
    this.layer = undefined;
  }
}
