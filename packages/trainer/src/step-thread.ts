import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch } from '@piano-lstm/core';
import { describeOptimizer, lstmEngineOf, nativeThreads, startModuleWorker, WorkerChannel } from '@piano-lstm/model';
import type { StepResult, StepSetup, StepStrategy } from './step-strategy';
import { applyThreadState, randomOf, threadState, type ThreadReply, type ThreadRequest } from './step-thread-protocol';

/**
 * The training step on a worker thread, so the trainer's event loop stays free during a step (a
 * live progress bar, Ctrl-C answered at once, a server in the same process keeps serving). The
 * worker holds a replica of the model and the optimizer and steps exactly as InProcessStep would:
 * same loss, clipping, optimizer and dropout streams, same backend and LSTM engines. Weights stay
 * there between steps; `sync()` copies the weights, the optimizer state and the random state back
 * to the trainer's model and optimizer (before validation and checkpoints), which between syncs
 * must not be changed other than by their learning rate (sent with every step).
 */
export class ThreadedStep implements StepStrategy {
  /** Steps taken since the trainer's model was last brought up to date. */
  private stale = false;
  /** The random state the worker holds, as the trainer last saw it (JSON). */
  private workerRandom: string;

  private constructor(
    private readonly s: StepSetup,
    private readonly channel: WorkerChannel<ThreadRequest, ThreadReply>,
  ) {
    this.workerRandom = JSON.stringify(randomOf(s.model));
  }

  /**
   * Hands the model's and optimizer's current state (fresh or resumed) to a step thread: `spawned`
   * (from spawnStepThread, its modules loaded meanwhile; owned from here on) or a new one.
   */
  static async start(s: StepSetup, spawned?: StepThreadChannel): Promise<ThreadedStep> {
    const backend = stepThreadBackend();
    if (!backend) {
      await spawned?.worker.terminate();
      throw new Error(`the step thread runs on the wasm and cpu backends, not '${tf.getBackend()}'`);
    }
    const engines: Record<string, string> = {};
    for (const layer of s.model.layers) {
      const engine = lstmEngineOf(layer);
      if (engine) engines[layer.name] = engine.name;
    }
    const channel = spawned ?? spawnStepThread();
    const init = {
      type: 'init' as const,
      backend,
      topology: JSON.stringify(s.model.toJSON(null, false)),
      engines,
      ...(Object.values(engines).includes('native') ? { nativeThreads: nativeThreads() } : {}),
      optimizerSpec: describeOptimizer(s.optimizer),
      variableNames: s.model.trainableWeights.map((w) => (w.read() as tf.Variable).name),
      sparse: s.sparse,
      heads: s.heads,
      clipNorm: s.clipNorm,
      clipValue: s.clipValue,
    };
    try {
      await channel.request({ ...init, ...(await threadState(s.model, s.optimizer)) } as ThreadRequest);
    } catch (e) {
      await channel.worker.terminate();
      throw e;
    }
    return new ThreadedStep(s, channel);
  }

  async step(batch: EncodedBatch): Promise<StepResult> {
    const learningRate = describeOptimizer(this.s.optimizer).learningRate!;
    // Right after a sync the trainer's model is the one in charge: validation calls it, which
    // advances its LSTM call counters (between syncs nothing may touch it).
    const random = this.stale ? undefined : randomOf(this.s.model);
    const moved = random !== undefined && JSON.stringify(random) !== this.workerRandom;
    const r = await this.channel.request({ type: 'step', batch, learningRate, ...(moved ? { random } : {}) });
    this.stale = true;
    if (r.type !== 'step') throw new Error(`the training step thread answered '${r.type}' to a step`);
    return { loss: r.loss, correct: r.correct };
  }

  async sync(): Promise<void> {
    if (!this.stale) return;
    const r = await this.channel.request({ type: 'state' });
    if (r.type !== 'state') throw new Error(`the training step thread answered '${r.type}' to a state request`);
    await applyThreadState(this.s.model, this.s.optimizer, r);
    this.workerRandom = JSON.stringify(randomOf(this.s.model));
    this.stale = false;
  }

  async dispose(): Promise<void> {
    await this.channel.worker.terminate();
  }
}

/** The backend a step thread would run on: this process's, when it is wasm or cpu (else undefined). */
export function stepThreadBackend(): 'wasm' | 'cpu' | undefined {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? backend : undefined;
}

export type StepThreadChannel = WorkerChannel<ThreadRequest, ThreadReply>;

/**
 * Starts a step thread without a model yet: its modules (tfjs, the model package: ~0.45 s) load
 * while the trainer builds or loads the model; ThreadedStep.start hands it the model.
 */
export function spawnStepThread(): StepThreadChannel {
  return new WorkerChannel<ThreadRequest, ThreadReply>(startModuleWorker(__dirname, 'step-thread-worker'), 'the training step thread');
}
