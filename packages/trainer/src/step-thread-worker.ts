import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@piano-lstm/core';
// The whole package: registers every layer class a ModelBuilder uses, so modelFromJSON can rebuild the model.
import { attachNoise, createOptimizer, DropoutNoise, initBackend, lstmEngine, setLearningRate, setNativeThreads } from '@piano-lstm/model';
import { InProcessStep } from './step-strategy';
import { applyThreadState, restoreRandom, threadState, type ThreadInit, type ThreadReply, type ThreadRequest } from './step-thread-protocol';

/**
 * The training step thread: a replica of the trainer's model and optimizer, built from their state
 * when training starts, stepping with the trainer's own InProcessStep (same loss, clipping, dropout
 * streams and optimizer arithmetic, so every step computes what the trainer's thread would). The
 * weights stay here between steps; the trainer asks for them (`state`) before it validates or saves.
 */
let model: tf.LayersModel | undefined;
let optimizer: tf.Optimizer | undefined;
let step: InProcessStep | undefined;
/** This thread's variable name → the trainer's, for the optimizer slots' names. */
let names = new Map<string, string>();

async function init(msg: ThreadInit): Promise<void> {
  await initBackend(msg.backend);
  // Before any native layer exists: otherwise the addon would choose a thread count of its own.
  if (msg.nativeThreads !== undefined) setNativeThreads(msg.nativeThreads);
  const m = (await tf.models.modelFromJSON(JSON.parse(msg.topology) as never)) as tf.LayersModel;
  for (const layer of m.layers) {
    const engine = msg.engines[layer.name];
    if (engine) lstmEngine(engine).adopt(layer);
  }
  attachNoise(m, new DropoutNoise(new Rng(0)));
  const opt = createOptimizer(msg.optimizerSpec);
  await applyThreadState(m, opt, msg);
  names = new Map(m.trainableWeights.map((w, i) => [(w.read() as tf.Variable).name, msg.variableNames[i]]));
  model = m;
  optimizer = opt;
  step = new InProcessStep({ model: m, optimizer: opt, sparse: msg.sparse, heads: msg.heads, clipNorm: msg.clipNorm, clipValue: msg.clipValue });
}

/** A slot named after this thread's variable (`lstm_1/kernel/rms`) renamed after the trainer's. */
function trainerName(name: string): string {
  for (const [mine, theirs] of names) if (name === mine || name.startsWith(`${mine}/`)) return theirs + name.slice(mine.length);
  return name;
}

async function handle(msg: ThreadRequest): Promise<ThreadReply> {
  switch (msg.type) {
    case 'init':
      await init(msg);
      return { type: 'ready' };
    case 'step': {
      setLearningRate(optimizer!, msg.learningRate);
      if (msg.random) restoreRandom(model!, msg.random);
      const r = await step!.step(msg.batch);
      return { type: 'step', loss: r.loss, correct: r.correct };
    }
    case 'state':
      return { type: 'state', ...(await threadState(model!, optimizer!, trainerName)) };
  }
}

parentPort!.on('message', (msg: ThreadRequest) => {
  void (async () => {
    let reply: ThreadReply;
    try {
      reply = await handle(msg);
    } catch (e) {
      reply = { type: 'error', message: (e as Error).message };
    }
    const transfer = reply.type === 'state' ? [...reply.weights, ...reply.optimizer].map((a) => a.data.buffer as ArrayBuffer) : [];
    parentPort!.postMessage(reply, transfer);
  })();
});
