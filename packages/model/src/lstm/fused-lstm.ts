import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { LstmSequenceMath, LstmSequenceInputs } from './lstm-sequence-math';
import {
  InitializerSpec,
  resolveInitializer,
  serializeInitializer,
  unitForgetBiasInitializer,
} from './lstm-initializers';
import { TfjsLstmMath } from './tfjs-lstm-math';

export interface FusedLstmArgs extends LayerArgs {
  units: number;
  returnSequences?: boolean;
  /** Fraction of the inputs dropped (one mask per sequence, shared by all steps and gates). */
  dropout?: number;
  /** Fraction of the recurrent state dropped (one mask per sequence). */
  recurrentDropout?: number;
  kernelInitializer?: InitializerSpec;
  /** Default glorotUniform; 'orthogonal' is computed in JS (tfjs' own aborts wasm at LSTM sizes). */
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  unitForgetBias?: boolean;
  /** Seed of the dropout masks (each call draws new masks from seed + call number). */
  seed?: number;
  /** Where the sequence math runs; an execution detail, not in the layer config (a checkpoint records it beside). */
  engine?: LstmSequenceMath;
  // Accepted for compatibility with a stock LSTM config; only the values below are supported.
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  implementation?: number | null;
  kernelRegularizer?: unknown;
  recurrentRegularizer?: unknown;
  biasRegularizer?: unknown;
  activityRegularizer?: unknown;
  kernelConstraint?: unknown;
  recurrentConstraint?: unknown;
  biasConstraint?: unknown;
}

function checkRate(v: number | undefined, what: string): number {
  const r = v ?? 0;
  if (!(r >= 0 && r < 1)) throw new Error(`FusedLSTM ${what}: ${v} is out of range (0 ≤ ${what} < 1)`);
  return r;
}

function requireValue(actual: unknown, allowed: unknown[], what: string): void {
  if (actual === undefined || actual === null || allowed.includes(actual)) return;
  throw new Error(
    `FusedLSTM ${what}: ${JSON.stringify(actual)} is not supported (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')})`,
  );
}

/** Inverted-dropout mask [rows, cols]: 0 with probability `rate`, else 1/(1-rate). */
export function dropoutMask(rows: number, cols: number, rate: number, seed: number | undefined): tf.Tensor2D {
  return tf.tidy(() =>
    tf.div(tf.cast(tf.greaterEqual(tf.randomUniform([rows, cols], 0, 1, 'float32', seed), rate), 'float32'), 1 - rate),
  );
}

/**
 * A Keras-compatible LSTM layer (gates i, f, c, o; sigmoid / tanh; weights `kernel` [I,4H],
 * `recurrent_kernel` [H,4H], `bias` [4H] exactly as `tf.layers.lstm`) whose forward and
 * backward passes are written by hand over the whole sequence (see TfjsLstmMath), joined to
 * autodiff by one `tf.customGrad`. Dropout masks are drawn per sequence and apply in training only.
 */
export class FusedLSTM extends tf.layers.Layer {
  static className = 'FusedLSTM';

  readonly units: number;
  readonly returnSequences: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly unitForgetBias: boolean;
  readonly seed: number | undefined;
  private readonly kernelInitializer: Initializer;
  private readonly recurrentInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private engine: LstmSequenceMath;
  private kernel: LayerVariable | null = null;
  private recurrentKernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  /**
   * Calls so far; the dropout masks of call n come from seed + 2n (inputs) and seed + 2n + 1
   * (recurrent). A trainer restores it on resume so the masks continue the same sequence.
   */
  calls = 0;

  constructor(args: FusedLstmArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`FusedLSTM units: ${args.units} must be a positive integer`);
    }
    requireValue(args.activation, ['tanh'], 'activation');
    requireValue(args.recurrentActivation, ['sigmoid'], 'recurrentActivation');
    requireValue(args.useBias, [true], 'useBias');
    requireValue(args.returnState, [false], 'returnState');
    requireValue(args.goBackwards, [false], 'goBackwards');
    requireValue(args.stateful, [false], 'stateful');
    for (const key of [
      'kernelRegularizer',
      'recurrentRegularizer',
      'biasRegularizer',
      'activityRegularizer',
      'kernelConstraint',
      'recurrentConstraint',
      'biasConstraint',
    ] as const) {
      requireValue(args[key], [], key);
    }
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.dropout = checkRate(args.dropout, 'dropout');
    this.recurrentDropout = checkRate(args.recurrentDropout, 'recurrentDropout');
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.seed = args.seed ?? undefined;
    this.kernelInitializer = resolveInitializer(args.kernelInitializer ?? 'glorotUniform', 'kernelInitializer');
    this.recurrentInitializer = resolveInitializer(args.recurrentInitializer ?? 'glorotUniform', 'recurrentInitializer');
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? 'zeros', 'biasInitializer');
    // A layer rebuilt by tfjs from a saved topology starts on tf ops; the checkpoint loader then
    // points it at the engine the checkpoint asks for.
    this.engine = args.engine ?? new TfjsLstmMath();
    this.checkEngine();
    this.inputSpec = [{ ndim: 3 }];
    this.supportsMasking = false;
  }

  /** The engine running this layer's sequence math ('fused' or 'native'). */
  get engineName(): string {
    return this.engine.name;
  }

  /** Swaps where the math runs; weights and config are unaffected. */
  setEngine(engine: LstmSequenceMath): void {
    this.engine = engine;
    this.checkEngine();
  }

  private checkEngine(): void {
    if (this.recurrentDropout > 0 && !this.engine.supportsRecurrentDropout) {
      throw new Error(
        `FusedLSTM recurrentDropout: ${this.recurrentDropout} is not supported by the '${this.engine.name}' engine (use lstm: fused, or recurrentDropout: 0)`,
      );
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) throw new Error(`FusedLSTM ${this.name}: the last input dimension must be known, got [${shape}]`);
    const H = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 4 * H], 'float32', this.kernelInitializer, undefined, true);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [H, 4 * H], 'float32', this.recurrentInitializer, undefined, true);
    const biasInit = this.unitForgetBias ? unitForgetBiasInitializer(this.biasInitializer, H) : this.biasInitializer;
    this.bias = this.addWeight('bias', [4 * H], 'float32', biasInit, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    if (kwargs['mask'] != null) throw new Error(`FusedLSTM ${this.name}: input masks are not supported`);
    if (kwargs['initialState'] != null) throw new Error(`FusedLSTM ${this.name}: initialState is not supported`);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    const training = kwargs['training'] === true;
    const call = this.calls++;
    const seedFor = (k: number) => (this.seed === undefined ? undefined : this.seed + 2 * call + k);
    return tf.tidy(() =>
      lstmSequence(this.engine, x, this.kernel!.read() as tf.Tensor2D, this.recurrentKernel!.read() as tf.Tensor2D, this.bias!.read() as tf.Tensor1D, {
        returnSequences: this.returnSequences,
        dropout: training ? this.dropout : 0,
        recurrentDropout: training ? this.recurrentDropout : 0,
        seeds: [seedFor(0), seedFor(1)],
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias: true,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      unitForgetBias: this.unitForgetBias,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      returnState: false,
      goBackwards: false,
      stateful: false,
      unroll: false,
      seed: this.seed ?? null,
    };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.engine.dispose?.();
    return result;
  }
}
tf.serialization.registerClass(FusedLSTM);

export interface LstmSequenceOptions {
  returnSequences: boolean;
  /** Effective rates (0 outside training). */
  dropout: number;
  recurrentDropout: number;
  seeds?: [number | undefined, number | undefined];
}

/**
 * y = LSTM(x) for x [B,T,I] with the given weights, as one differentiable op whose gradient is the
 * engine's hand-written backward pass.
 */
export function lstmSequence(
  engine: LstmSequenceMath,
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: LstmSequenceOptions,
): tf.Tensor {
  const [B, , I] = x.shape;
  const H = recurrentKernel.shape[0];
  const needGrad = tf.engine().state.gradientDepth > 0;
  const op = tf.customGrad(((...args: unknown[]) => {
    const [x, kernel, recurrentKernel, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const mask = opts.dropout > 0 ? dropoutMask(B, I, opts.dropout, opts.seeds?.[0]) : null;
    const recurrentMask = opts.recurrentDropout > 0 ? dropoutMask(B, H, opts.recurrentDropout, opts.seeds?.[1]) : null;
    // A batch-major engine takes x as it is; the per-sequence mask then broadcasts over T as [B,1,I].
    const bm = engine.batchMajor === true;
    const seqMask = mask && bm ? tf.reshape(mask, [B, 1, I]) : mask;
    const xT = bm ? x : (tf.transpose(x, [1, 0, 2]) as tf.Tensor3D);
    const xTm = seqMask ? (tf.mul(xT, seqMask) as tf.Tensor3D) : xT;
    const inp: LstmSequenceInputs = { xTm, kernel, recurrentKernel, bias, recurrentMask };
    const { y, saved } = engine.forward(inp, opts.returnSequences, needGrad);
    // Masks are saved too: they are drawn here and backward must reuse them.
    save([xTm, mask ?? tf.zeros([0]), recurrentMask ?? tf.zeros([0]), ...saved]);
    const value = opts.returnSequences && !bm ? tf.transpose(y, [1, 0, 2]) : y;
    const gradFunc = (dy: tf.Tensor, s: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xTmS, maskS, rMaskS, ...engineSaved] = s;
        const m = maskS.size > 0 ? (bm ? tf.reshape(maskS, [B, 1, I]) : maskS) : null;
        const rm = rMaskS.size > 0 ? (rMaskS as tf.Tensor2D) : null;
        const dyTm = opts.returnSequences && !bm ? tf.transpose(dy, [1, 0, 2]) : dy;
        const g = engine.backward(
          dyTm,
          { xTm: xTmS as tf.Tensor3D, kernel, recurrentKernel, bias, recurrentMask: rm },
          engineSaved,
          opts.returnSequences,
        );
        const dxTm = m ? tf.mul(g.dxTm, m) : g.dxTm;
        return [bm ? dxTm : tf.transpose(dxTm, [1, 0, 2]), g.dKernel, g.dRecurrentKernel, g.dBias];
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, kernel, recurrentKernel, bias);
}
