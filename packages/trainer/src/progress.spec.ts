import { Writable } from 'node:stream';
import type { Logger } from '@piano-lstm/core';
import { createProgress } from './progress';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = new Writable({
    write(chunk, _enc, cb) {
      s.text += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: string };
  s.text = '';
  Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return s;
}

describe('progress', () => {
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(m), warn: () => undefined, debug: () => undefined };
  beforeEach(() => (lines.length = 0));

  it('prints one line per epoch and nothing per batch when not a TTY', () => {
    const stream = fakeStream(false);
    const p = createProgress('auto', log, stream);
    p.startEpoch(1, 3, 10, 0);
    p.batch(5, 100, 2.5);
    p.endEpoch('epoch 1/3 - loss 2.5000');
    expect(stream.text).toBe('');
    expect(lines).toEqual(['epoch 1/3 - loss 2.5000']);
  });

  it('with logEvery, also prints a line every that many batches (not for the epoch\'s last)', () => {
    const stream = fakeStream(false);
    const p = createProgress('lines', log, stream, 2);
    p.startEpoch(1, 3, 5, 0);
    for (let b = 1; b <= 4; b++) p.batch(b, 100 + b, 3 - b / 10);
    p.endEpoch('epoch 1/3 - loss 2.5000');
    expect(stream.text).toBe('');
    expect(lines).toEqual(['epoch 1/3 batch 2/5 - loss 2.8000 - 102.0 samples/s', 'epoch 1/3 batch 4/5 - loss 2.6000 - 104.0 samples/s', 'epoch 1/3 - loss 2.5000']);
  });

  it('draws a live bar with epoch, batches, samples/s and loss on a TTY', () => {
    const prevCI = process.env.CI;
    delete process.env.CI;
    try {
      const stream = fakeStream(true);
      const p = createProgress('auto', log, stream);
      p.startEpoch(2, 3, 10, 0);
      p.batch(5, 123.4, 1.25);
      p.stop();
      expect(stream.text).toMatch(/epoch 2\/3 .*5\/10 batches \| 123\.4 samples\/s \| ETA .* \| loss 1\.2500/);
    } finally {
      if (prevCI !== undefined) process.env.CI = prevCI;
    }
  });
});
