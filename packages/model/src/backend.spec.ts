import * as tf from '@tensorflow/tfjs';
import { InputError, type Logger } from '@piano-lstm/core';
import { initBackend } from './backend';
import { fastWasmKernelsRegistered } from './lstm';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => undefined };
}

describe('initBackend', () => {
  it('auto falls back to wasm when tfjs-node is absent, printing the choice once', async () => {
    const log = recorder();
    const info = await initBackend('auto', log);
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    await initBackend('auto', log);
    expect(log.lines).toEqual(['backend: wasm']);
    // Embeddings and stock layers get the fast wasm kernels too, not only models with a FusedLSTM.
    expect(fastWasmKernelsRegistered()).toBe(true);
  });

  it('honours an explicit cpu choice', async () => {
    const log = recorder();
    expect(await initBackend('cpu', log)).toEqual({ name: 'cpu', tfBackend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(log.lines).toEqual(['backend: cpu']);
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('names the fix when node is asked for but not installed', async () => {
    await expect(initBackend('node')).rejects.toThrow(InputError);
    await expect(initBackend('node')).rejects.toThrow(/install @tensorflow\/tfjs-node/);
  });
});
