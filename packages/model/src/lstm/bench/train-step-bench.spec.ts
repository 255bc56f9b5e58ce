import { nativeLstmStatus } from '../native-lstm-math';
import { BENCH_MODELS, benchModelShape } from './bench-models';
import { benchStack, benchTrainStep, lstmTrainFlopsPerSample, SEED_DOC_LSTMS } from './train-step-bench';

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

describe('train-step bench on the recipes (model builders, trainer step)', () => {
  it.each(BENCH_MODELS.map((m) => [m]))('%s: one fused step at tiny sizes, FLOPs from the recipe shape', async (model) => {
    const r = await benchTrainStep({ impl: 'fused', model, batch: 2, seqLength: 3, vocab: 7, warmup: 0, repeats: 1, backend: 'wasm' });
    const shape = benchModelShape(model, 'fused', 3);
    expect(r.engine).toBe('fused');
    expect(r.lstmFlopsPerSample).toBe(lstmTrainFlopsPerSample(shape.inputDim, shape.units, 3));
    expect(Number.isFinite(r.loss) && r.loss > 0).toBe(true);
    expect(r.firstStepMs).toBeGreaterThan(0);
    expect(r.sgemmGflops).toBeUndefined();
    expect(r.stackMs).toBeUndefined();
  }, 60000);

  it('seed-repo keeps its recurrent dropout except on native, and says so', () => {
    expect(benchModelShape('seed-repo', 'fused').options.recurrentDropout).toBe(0.3);
    const n = benchModelShape('seed-repo', 'native');
    expect(n.options.recurrentDropout).toBe(0);
    expect(n.note).toMatch(/recurrentDropout 0/);
    expect(benchModelShape('embedding-piano', 'native')).toMatchObject({ inputDim: 64, units: [512, 512], seqLength: 64 });
  });

  (nativeLstmStatus().available ? it : it.skip)('native: whole step and stack alone report the same-process sgemm ceiling', async () => {
    const r = await benchTrainStep({ impl: 'native', model: 'embedding-quickstart', batch: 4, seqLength: 4, vocab: 7, warmup: 0, repeats: 1, backend: 'wasm', threads: 1 });
    expect(r.engine).toBe('native');
    expect(r.sgemmGflops).toBeGreaterThan(0);
    // the stack alone, measured in the same process between two blocks of steps
    expect(r.stepMs).toHaveLength(2);
    expect(r.stackMs).toBeGreaterThan(0);
    expect(r.stepRssMb).toBeGreaterThan(0);
    expect(r.stepRssMb!).toBeLessThanOrEqual(r.rssMb);
    const s = benchStack({ model: 'embedding-quickstart', batch: 4, seqLength: 4, threads: 1, warmup: 0, repeats: 1 });
    expect(s.sgemmGflops).toBeGreaterThan(0);
    expect(s.samplesPerS).toBeGreaterThan(0);
  }, 60000);
});
