import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../fast-wasm-kernels';
import '../fused-lstm'; // registers FusedLSTM for modelFromJSON
import { Rng } from '@piano-lstm/core';
// The builders' layers, so modelFromJSON can rebuild every model a ModelBuilder makes.
import { attachNoise, DropoutNoise } from '../../builders/dropout-noise';
import '../../builders/one-hot-embedding';
import '../../builders/multi-head-layers';
import { InitMessage, lossFunction, StepMessage, StepNoise, StepReply, WorkerReply } from './protocol';

/**
 * One data-parallel worker: its own tfjs engine and backend, a replica of the model built from
 * the topology, and on every step the gradient of the mean loss over its shard of the batch at
 * the weights sent by the coordinator.
 */
let model: tf.LayersModel | undefined;
let loss: ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) | undefined;
let weights: { buffer: SharedArrayBuffer; shapes: number[][] } | undefined;
let index = 0;
let workerCount = 1;

async function init(msg: InitMessage): Promise<void> {
  if (msg.backend === 'wasm') registerFastWasmKernels();
  if (!(await tf.setBackend(msg.backend))) throw new Error(`backend '${msg.backend}' could not be initialized in a worker`);
  await tf.ready();
  model = (await tf.models.modelFromJSON(JSON.parse(msg.topology) as tf.io.ModelJSON['modelTopology'] as never)) as tf.LayersModel;
  loss = lossFunction(msg.loss);
  weights = { buffer: msg.weights, shapes: msg.weightShapes };
  index = msg.index ?? 0;
  workerCount = msg.workers ?? 1;
}

/**
 * Dropout layers draw from a stream seeded by the coordinator for this step and worker; FusedLSTM
 * layers number their calls n·workers + index, so no two workers or steps share a mask.
 */
function applyNoise(m: tf.LayersModel, noise: StepNoise, workers: number): void {
  attachNoise(m, new DropoutNoise(new Rng(noise.seed).fork(`worker-${index}`)));
  noise.layerCalls.forEach((c, i) => {
    const layer = m.layers[i] as unknown as { calls?: unknown } | undefined;
    if (c !== null && layer && typeof layer.calls === 'number') layer.calls = c * workers + index;
  });
}

function readWeights(): tf.Tensor[] {
  const { buffer, shapes } = weights!;
  let offset = 0;
  return shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(new Float32Array(buffer, offset * 4, n), shape);
    offset += n;
    return t;
  });
}

function step(msg: StepMessage): StepReply {
  const m = model!;
  const trainable = m.trainableWeights;
  tf.tidy(() => m.setWeights(readWeights()));
  if (msg.noise) applyNoise(m, msg.noise, workerCount);
  let outputs: tf.Tensor | undefined;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor(msg.x.data, msg.x.shape, msg.x.dtype);
    const y = tf.tensor(msg.y.data, msg.y.shape, msg.y.dtype);
    const vars = trainable.map((w) => w.read() as tf.Variable);
    const r = tf.variableGrads(() => {
      const p = m.apply(x, { training: msg.training }) as tf.Tensor;
      if (msg.returnOutputs) outputs = tf.keep(p);
      return tf.mean(loss!(y, p)) as tf.Scalar;
    }, vars);
    return { value: r.value, grads: vars.map((v) => r.grads[v.name]) };
  });
  // Typed arrays are read outside the tidy: tidy walks every element of a returned container.
  // The wasm backend's dataSync already returns a copy, safe to transfer.
  const reply: StepReply = { type: 'step', loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  if (outputs) reply.outputs = outputs.dataSync() as Float32Array;
  if (msg.training && m.nonTrainableWeights.length) reply.nonTrainable = m.nonTrainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
  tf.dispose([value, ...grads, ...(outputs ? [outputs] : [])]);
  return reply;
}

parentPort!.on('message', (msg: InitMessage | StepMessage) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      if (msg.type === 'init') {
        await init(msg);
        reply = { type: 'ready', backend: tf.getBackend() };
      } else {
        reply = step(msg);
      }
    } catch (e) {
      reply = { type: 'error', message: (e as Error).message };
    }
    const transfer = reply.type === 'step' ? [...reply.grads, ...(reply.outputs ? [reply.outputs] : []), ...(reply.nonTrainable ?? [])].map((g) => g.buffer as ArrayBuffer) : [];
    parentPort!.postMessage(reply, transfer);
  })();
});
