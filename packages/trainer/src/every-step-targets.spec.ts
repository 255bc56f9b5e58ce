import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InterruptedError, Rng, type Logger, type Piece } from '@piano-lstm/core';
import { EmbeddingEncoder, MultiHeadEncoder, initBackend, lstmModelFactory, multiHeadEncoderFactory, multiHeadModelFactory, scorePositions, type TokenEncoder } from '@piano-lstm/model';
import { parseSupervisedOptions } from './supervised-options';
import { SupervisedTrainer, type EpochMetrics } from './supervised-trainer';

const quiet: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const notes = ['C4', 'D4', 'E4', 'F4', 'G4', 'A4', 'B4', '0.4.7'];
/** Pieces of uneven lengths, so `all` validation needs tail windows and one piece is too short to score. */
const pieces: Piece[] = [23, 30, 17, 26, 5, 21].map((n, k) => ({ path: `p${k}.mid`, tokens: Array.from({ length: n }, (_, i) => notes[(i * (k + 1) + k) % notes.length]) }));
let runDir: string;
jest.setTimeout(120_000);

beforeAll(() => initBackend('cpu'));
beforeEach(() => {
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-'));
});
afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

async function trainOneEpoch(encoder: TokenEncoder, multiHead = false, data: Piece[] = pieces) {
  const factory = multiHead ? multiHeadModelFactory : lstmModelFactory;
  const modelOptions = factory.parseOptions({ layers: [6], dense: [], dropout: 0.1, lstm: process.env.LSTM_KIND ?? 'auto' }, 'model.options');
  const modelBuilder = factory.create(modelOptions, { rng: new Rng(3).fork('ModelBuilder'), log: quiet, baseDir: '.' });
  let validation: Piece[] = [];
  const options = parseSupervisedOptions({ progress: 'lines', epochs: 1, batchSize: 4, validation: { pieces: 0.5 }, learningRate: 0.02 }, 'trainer.options');
  const trainer = new SupervisedTrainer(options, new Rng(3).fork('Trainer'), quiet);
  const r = await trainer.train({ runDir, pieces: data, encoder, modelBuilder, config: {}, onReady: (info) => (validation = info.validation) });
  const metrics = JSON.parse(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim()) as EpochMetrics;
  return { model: r.model, metrics, validation };
}

describe('scorePositions and the trainer agree', () => {
  for (const targets of ['last', 'all'] as const) {
    it(`mean nats over the validation pieces is val_loss, accuracy val_accuracy (targets: ${targets})`, async () => {
      const T = 4;
      const encoder = new EmbeddingEncoder({ sequenceLength: T, stride: targets === 'all' ? T : 1, crossPieces: false, dim: 5, targets });
      const { model, metrics, validation } = await trainOneEpoch(encoder);
      const scores = validation.flatMap((p) => scorePositions(model, encoder, p.tokens));
      const expected = validation.flatMap((p) => (p.tokens.length > T ? Array.from({ length: p.tokens.length - (targets === 'all' ? 1 : T) }, (_, i) => i + (targets === 'all' ? 1 : T)) : []));
      expect(scores.map((s) => s.position).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      const mean = scores.reduce((a, s) => a + s.nats, 0) / scores.length;
      expect(Math.abs(mean - metrics.val_loss!)).toBeLessThan(1e-4);
      expect(scores.filter((s) => s.correct).length / scores.length).toBeCloseTo(metrics.val_accuracy!, 10);
      for (const p of validation) for (const s of scorePositions(model, encoder, p.tokens)) expect(s.token).toBe(p.tokens[s.position]);
      model.dispose();
    });
  }

  it('multi-head with targets: all trains and scores every head at every step', async () => {
    const timed = pieces.map((p, k) => ({ path: p.path, tokens: p.tokens.map((t, i) => `${t.includes('.') ? 'C5' : t}|${(i + k) % 3 === 0 ? '1/2' : '1'}|${i % 2 ? '1' : '2'}`) }));
    const encoder = new MultiHeadEncoder(multiHeadEncoderFactory.parseOptions({ sequenceLength: 4, stride: 4, targets: 'all' }, 'encoder.options'));
    const { model, metrics, validation } = await trainOneEpoch(encoder, true, timed);
    expect(model.outputs[0].shape).toEqual([null, 4, encoder.vocabSize]);
    const scores = validation.flatMap((p) => scorePositions(model, encoder, p.tokens));
    expect(scores.length).toBe(validation.reduce((n, p) => n + (p.tokens.length > 4 ? p.tokens.length - 1 : 0), 0));
    const mean = scores.reduce((a, s) => a + s.nats, 0) / scores.length;
    expect(Math.abs(mean - metrics.val_loss!)).toBeLessThan(1e-4);
    expect(Number.isFinite(metrics.loss)).toBe(true);
    model.dispose();
  });
});

describe('targets: all resumes exactly', () => {
  it('an interrupted run (mid-epoch, dropout, transposition) continues with the straight run\'s curve', async () => {
    const opts = parseSupervisedOptions(
      { progress: 'lines', epochs: 2, batchSize: 3, validation: { pieces: 0.3 }, augment: { transpose: [-1, 1] }, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } },
      'trainer.options',
    );
    const modelOptions = lstmModelFactory.parseOptions({ layers: [5], dense: [], dropout: 0.3, lstm: process.env.LSTM_KIND ?? 'auto' }, 'model.options');
    const job = (over: { resume?: boolean; abortAt?: number } = {}) => {
      const ac = new AbortController();
      return {
        runDir,
        pieces,
        encoder: new EmbeddingEncoder({ sequenceLength: 4, stride: 3, crossPieces: false, dim: 4, targets: 'all' }),
        modelBuilder: lstmModelFactory.create(modelOptions, { rng: new Rng(8).fork('ModelBuilder'), log: quiet, baseDir: '.' }),
        config: {},
        resume: over.resume,
        signal: ac.signal,
        callbacks: over.abortAt ? [{ onBatchEnd: (_: unknown, session: { globalStep: number }) => void (session.globalStep === over.abortAt && ac.abort()) }] : [],
      };
    };
    const train = (over?: { resume?: boolean; abortAt?: number }) => new SupervisedTrainer(opts, new Rng(8).fork('Trainer'), quiet).train(job(over));
    const curve = () => fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochMetrics).map((m) => [m.loss, m.accuracy, m.val_loss]);
    (await train()).model.dispose();
    const straight = curve();
    fs.rmSync(runDir, { recursive: true });
    fs.mkdirSync(runDir);
    await expect(train({ abortAt: 7 })).rejects.toThrow(InterruptedError);
    (await train({ resume: true })).model.dispose();
    expect(curve()).toEqual(straight);
  });
});
