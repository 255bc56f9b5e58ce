import * as os from 'node:os';
import { defaultNativeThreads, freeCores, idleCores, threadsForIdleCores } from './native-threads';
import { nativeEngineDescription, nativeLstmStatus } from './native-lstm-math';

describe('native engine default threads', () => {
  it.each([
    [2, 2, 2], // idle machine: both cores
    [1.9, 2, 2],
    [1.1, 2, 1], // a busy process on one core: the free one only
    [0.6, 2, 1], // never below one
    [0, 2, 1],
    [7.8, 8, 8],
    [9, 8, 8], // never above the cores
  ])('%f idle of %i cores → %i thread(s)', (idle, cores, want) => {
    expect(threadsForIdleCores(idle, cores)).toBe(want);
  });

  it.each([
    // idle ticks, total ticks, own CPU ms, wall ms, cores → free cores
    [100, 100, 0, 100, 2, 2], // idle machine
    [50, 100, 0, 100, 2, 1], // another process on one core
    [50, 100, 100, 100, 2, 2], // our own step thread on that core: still both ours
    [0, 100, 100, 100, 2, 1], // another process on one core and our thread on the other
    [100, 100, 50, 100, 2, 2], // never above the cores
    [0, 0, 0, 0, 2, 0], // no ticks: nothing known to be free
  ])('free cores: %i of %i ticks idle, own %i ms CPU in %i ms, %i cores → %f', (idle, total, own, wall, cores, want) => {
    expect(freeCores(idle, total, own, wall, cores)).toBeCloseTo(want, 9);
  });

  it('samples idle cores between 0 and the core count', () => {
    const idle = idleCores(20);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(os.cpus().length + 1e-9);
  });

  it('leaves the count to OMP_NUM_THREADS when it is set', () => {
    const before = process.env.OMP_NUM_THREADS;
    try {
      process.env.OMP_NUM_THREADS = '1';
      expect(defaultNativeThreads()).toBeUndefined();
      delete process.env.OMP_NUM_THREADS;
      const n = defaultNativeThreads()!;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(os.cpus().length);
    } finally {
      if (before === undefined) delete process.env.OMP_NUM_THREADS;
      else process.env.OMP_NUM_THREADS = before;
    }
  });
});

describe('native engine description (bench output)', () => {
  it('names oneDNN, its version and how idle OpenMP threads wait, or nothing without the addon', () => {
    const d = nativeEngineDescription();
    if (nativeLstmStatus().available) expect(d).toMatch(/^oneDNN \d+\.\d+\.\d+ \(omp\), OpenMP wait (short-spin|passive|spin|env)$/);
    else expect(d).toBeUndefined();
  });
});
