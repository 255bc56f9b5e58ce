import * as tf from '@tensorflow/tfjs';
import { LstmSequenceMath, LstmForwardResult, LstmGradients, LstmSequenceInputs } from './lstm-sequence-math';

/**
 * The parts of `@piano-lstm/native-lstm` used here. The addon is optional (it needs libdnnl and a
 * compiler at install time), so it is required lazily and this package does not depend on it.
 */
interface NativeDims {
  T: number;
  B: number;
  I: number;
  H: number;
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
  loadNativeLstm(): { available: boolean; reason?: string; version?: string; threads: number };
  setThreads(n: number): void;
  NativeLstmLayer: new (dims: NativeDims) => NativeLayer;
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

/** Whether the oneDNN LSTM can run here, and if not, one line saying why. */
export function nativeLstmStatus(): { available: boolean; reason?: string } {
  const l = loadModule();
  return l.mod ? { available: true } : { available: false, reason: l.reason };
}

/** A fresh addon layer (I and H fixed, T and B resizable); throws the one-line reason when the addon is absent. */
export function newNativeLayer(dims: NativeDims): NativeLayer {
  const l = loadModule();
  if (!l.mod) throw new Error(`lstm 'native' is unavailable: ${l.reason} (use lstm: fused or auto)`);
  return new l.mod.NativeLstmLayer(dims);
}

/**
 * OpenMP threads of the addon (process-wide). One thread is the safe choice on a shared machine:
 * with two, every competing process stalls oneDNN's barriers and steps get several times slower.
 */
export function setNativeThreads(n: number): void {
  const l = loadModule();
  if (!l.mod) throw new Error(`lstm 'native' is unavailable: ${l.reason}`);
  l.mod.setThreads(n);
}

/**
 * LSTM forward/backward on the oneDNN addon. The addon keeps the forward's workspace for the
 * backward, so each layer owns one engine; a backward that does not follow its own forward (the
 * layer was called again in between) recomputes the forward first. No recurrent dropout: oneDNN's
 * cell has no hook for a mask on h.
 */
export class NativeLstmMath implements LstmSequenceMath {
  readonly name = 'native' as const;
  readonly supportsRecurrentDropout = false;
  private layer: NativeLayer | undefined;
  private lastForward = 0;
  private forwards = 0;
  private yBuf: Float32Array | undefined;

  constructor() {
    const l = loadModule();
    if (!l.mod) throw new Error(`lstm 'native' is unavailable: ${l.reason} (use lstm: fused or auto)`);
  }

  private layerFor(T: number, B: number, I: number, H: number): NativeLayer {
    const d = this.layer?.dims;
    if (this.layer && d!.I === I && d!.H === H) {
      this.layer.resize({ T, B });
    } else {
      this.layer?.dispose();
      this.layer = newNativeLayer({ T, B, I, H });
      this.yBuf = undefined;
    }
    return this.layer;
  }

  private run(inp: LstmSequenceInputs, training: boolean): tf.Tensor3D {
    const [T, B, I] = inp.xTm.shape;
    const H = inp.recurrentKernel.shape[0];
    const layer = this.layerFor(T, B, I, H);
    if (this.yBuf?.length !== T * B * H) this.yBuf = new Float32Array(T * B * H);
    // dataSync copies out of the backend's memory, so the addon never sees a view that a wasm heap
    // growth could detach mid-call.
    layer.forward(
      inp.xTm.dataSync() as Float32Array,
      inp.kernel.dataSync() as Float32Array,
      inp.recurrentKernel.dataSync() as Float32Array,
      inp.bias.dataSync() as Float32Array,
      { training, out: this.yBuf },
    );
    if (training) this.lastForward = ++this.forwards;
    return tf.tensor3d(this.yBuf, [T, B, H]);
  }

  forward(inp: LstmSequenceInputs, returnSequences: boolean, needGrad: boolean): LstmForwardResult {
    if (inp.recurrentMask) throw new Error("lstm 'native' does not support recurrentDropout (use lstm: fused)");
    return tf.tidy(() => {
      const ys = this.run(inp, needGrad);
      const [T, B, H] = ys.shape;
      const y = returnSequences ? ys : tf.reshape(tf.slice(ys, [T - 1, 0, 0], [1, B, H]), [B, H]);
      return { y, saved: needGrad ? [tf.scalar(this.lastForward, 'int32')] : [] };
    });
  }

  backward(dy: tf.Tensor, inp: LstmSequenceInputs, saved: tf.Tensor[], returnSequences: boolean): LstmGradients {
    const [T, B, I] = inp.xTm.shape;
    const H = inp.recurrentKernel.shape[0];
    const token = saved[0].dataSync()[0];
    if (token !== this.lastForward || !this.layer) tf.dispose(this.run(inp, true));
    let dyFull: Float32Array;
    if (returnSequences) {
      dyFull = dy.dataSync() as Float32Array;
    } else {
      // oneDNN has no last-step-only mode: the gradient is zero for every other step.
      dyFull = new Float32Array(T * B * H);
      dyFull.set(dy.dataSync() as Float32Array, (T - 1) * B * H);
    }
    const g = this.layer!.backward(dyFull);
    return {
      dxTm: tf.tensor3d(g.dx, [T, B, I]),
      dKernel: tf.tensor2d(g.dKernel, [I, 4 * H]),
      dRecurrentKernel: tf.tensor2d(g.dRecurrentKernel, [H, 4 * H]),
      dBias: tf.tensor1d(g.dBias),
    };
  }

  dispose(): void {
    this.layer?.dispose();
    this.layer = undefined;
  }
}
