import * as tf from '@tensorflow/tfjs';
import { startModuleWorker, WorkerChannel } from './start-worker';
import { ArrayMessage, InitMessage, lossFunction, StepMessage, StepNoise, StepReply, WorkerReply } from './protocol';

export interface DataParallelOptions {
  /** Worker threads (each with its own tfjs engine and backend). */
  workers: number;
  backend?: 'wasm' | 'cpu';
  /** Loss name; default: the model's compiled loss when it is a name. */
  loss?: string;
}

/** Row counts of `n` nearly equal shards of `rows` (no empty shard). */
export function shardSizes(rows: number, n: number): number[] {
  const k = Math.min(n, rows);
  return Array.from({ length: k }, (_, i) => Math.floor(rows / k) + (i < rows % k ? 1 : 0));
}

function shard(t: tf.Tensor, all: Float32Array | Int32Array, start: number, rows: number): ArrayMessage {
  const row = t.size / t.shape[0];
  return {
    data: all.slice(start * row, (start + rows) * row),
    shape: [rows, ...t.shape.slice(1)],
    dtype: t.dtype === 'int32' ? 'int32' : 'float32',
  };
}

/**
 * Data-parallel gradients: every step splits the batch into one shard per worker; each worker
 * computes the gradient of its shard's mean loss at the current weights; the shard gradients are
 * averaged weighted by shard size, which equals the full batch's gradient up to float rounding.
 * The optimizer stays here, on the coordinating model.
 */
export class DataParallelGradients {
  private disposed = false;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly handles: WorkerChannel<InitMessage | StepMessage, WorkerReply>[],
    private readonly weights: Float32Array,
  ) {}

  static async create(model: tf.LayersModel, opts: DataParallelOptions): Promise<DataParallelGradients> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`workers: ${opts.workers} must be a positive integer`);
    const loss = opts.loss ?? (typeof model.loss === 'string' ? model.loss : undefined);
    if (!loss) throw new Error('data-parallel training needs a loss name (compile the model with one, or pass loss)');
    lossFunction(loss); // fail here, not in every worker
    const weightShapes = model.weights.map((w) => w.shape as number[]);
    const total = weightShapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
    // One shared copy of the weights for all workers instead of one structured clone each.
    const shared = new SharedArrayBuffer(total * 4);
    const init: InitMessage = {
      type: 'init',
      topology: JSON.stringify(model.toJSON(null, false)),
      loss,
      backend: opts.backend ?? 'wasm',
      weights: shared,
      weightShapes,
    };
    const handles = Array.from({ length: opts.workers }, () => new WorkerChannel<InitMessage | StepMessage, WorkerReply>(startModuleWorker(__dirname, 'gradient-worker'), 'data-parallel worker'));
    const dp = new DataParallelGradients(model, handles, new Float32Array(shared));
    try {
      await Promise.all(handles.map((h, index) => h.request({ ...init, index, workers: opts.workers })));
    } catch (e) {
      await dp.dispose();
      throw e;
    }
    return dp;
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Mean loss over the batch and its gradient for every trainable weight (keyed by variable name). */
  async gradients(
    x: tf.Tensor,
    y: tf.Tensor,
    training = true,
    step: { noise?: StepNoise; returnOutputs?: boolean } = {},
  ): Promise<{ loss: number; grads: tf.NamedTensorMap; outputs?: tf.Tensor }> {
    if (this.disposed) throw new Error('DataParallelGradients was disposed');
    if (x.shape[0] !== y.shape[0]) throw new Error(`x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
    let offset = 0;
    for (const w of this.model.weights) {
      const data = w.read().dataSync() as Float32Array;
      this.weights.set(data, offset);
      offset += data.length;
    }
    const sizes = shardSizes(x.shape[0], this.handles.length);
    const xs = x.dataSync() as Float32Array | Int32Array;
    const ys = y.dataSync() as Float32Array | Int32Array;
    let start = 0;
    const replies = await Promise.all(
      sizes.map((rows, i) => {
        const msg: StepMessage = { type: 'step', x: shard(x, xs, start, rows), y: shard(y, ys, start, rows), training, ...step };
        start += rows;
        return this.handles[i].request(msg, [msg.x.data.buffer as ArrayBuffer, msg.y.data.buffer as ArrayBuffer]) as Promise<StepReply>;
      }),
    );
    const total = x.shape[0];
    let loss = 0;
    const grads: tf.NamedTensorMap = {};
    this.model.trainableWeights.forEach((w, k) => {
      const acc = new Float32Array(replies[0].grads[k].length);
      replies.forEach((r, i) => {
        const share = sizes[i] / total;
        const g = r.grads[k];
        for (let j = 0; j < acc.length; j++) acc[j] += share * g[j];
      });
      const v = w.read() as tf.Variable;
      grads[v.name] = tf.tensor(acc, v.shape);
    });
    replies.forEach((r, i) => (loss += (sizes[i] / total) * r.loss));
    // Moving statistics move in the workers; carry their size-weighted mean back, or they would
    // be overwritten with the coordinator's stale values at the next step.
    if (replies[0].nonTrainable) {
      this.model.nonTrainableWeights.forEach((w, k) => {
        const acc = new Float32Array(replies[0].nonTrainable![k].length);
        replies.forEach((r, i) => {
          const g = r.nonTrainable![k];
          for (let j = 0; j < acc.length; j++) acc[j] += (sizes[i] / total) * g[j];
        });
        const t = tf.tensor(acc, w.shape as number[]);
        w.write(t);
        t.dispose();
      });
    }
    if (!step.returnOutputs) return { loss, grads };
    const outShape = this.model.outputs[0].shape.slice(1) as number[];
    const rows = replies.map((r) => r.outputs!);
    const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((at, r) => (all.set(r, at), at + r.length), 0);
    return { loss, grads, outputs: tf.tensor(all, [total, ...outShape]) };
  }

  /** One optimizer step on the averaged gradients; returns the batch's mean loss. */
  async trainStep(x: tf.Tensor, y: tf.Tensor, optimizer: tf.Optimizer = this.model.optimizer): Promise<number> {
    const { loss, grads } = await this.gradients(x, y, true);
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return loss;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
