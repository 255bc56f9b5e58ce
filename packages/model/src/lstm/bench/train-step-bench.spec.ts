import { benchTrainStep, lstmTrainFlopsPerSample, SEED_DOC_LSTMS } from './train-step-bench';

describe('train-step bench', () => {
  it.each([
    // 3 passes (forward, two backward products) × 2 FLOPs per multiply-add × T × (I + H) × 4H per layer
    { I: 1, units: [4], T: 10, expected: 3 * 2 * 10 * 5 * 16 },
    { I: 1, units: [...SEED_DOC_LSTMS], T: 100, expected: 6 * 100 * (257 * 1024 + 768 * 2048 + 768 * 1024) },
  ])('counts $expected LSTM training FLOPs per sample for I=$I units=$units T=$T', ({ I, units, T, expected }) => {
    expect(lstmTrainFlopsPerSample(I, units, T)).toBe(expected);
  });

  it('measures a seed-doc training step with the fused LSTM (tiny windows)', async () => {
    const r = await benchTrainStep({ impl: 'fused', batch: 2, seqLength: 3, vocab: 5, warmup: 0, repeats: 1, backend: 'wasm' });
    expect(r.backend).toBe('wasm');
    expect(r.stepMs).toHaveLength(1);
    for (const v of [r.samplesPerS, r.samplesPerCpuS, r.gflops, r.matMulGflops, r.matMulGflopsPerCpuS, r.loss]) {
      expect(Number.isFinite(v) && v > 0).toBe(true);
    }
  }, 60000);
});
