import { computeBaselines, PositionBaselines } from './baselines';

const train = [
  ['C4', 'E4', 'G4', 'C5', 'G4', 'E4', 'C4', 'E4', 'G4', 'C5'],
  ['A3', 'C4', 'E4', 'A3', 'C4', 'E4', 'G4', 'B4'],
];
const validation = [
  ['C4', 'E4', 'G4', 'F#4', 'C5', 'G4', 'E4', 'C4'],
  ['A3', 'C4', 'E4', 'D4', 'A3', 'C4'],
];

describe('PositionBaselines', () => {
  it("gives computeBaselines' numbers exactly on the same positions (unseen tokens scored as unknown)", () => {
    for (const startAt of [0, 1, 3]) {
      const expected = computeBaselines(train, validation, { startAt });
      const b = new PositionBaselines(train);
      const steps = validation.flatMap((seq) => {
        const positions = Array.from({ length: Math.max(0, seq.length - startAt) }, (_, i) => i + startAt);
        const { unigram, kneserNey } = b.score(seq, positions);
        return unigram.map((u, i) => ({ u, k: kneserNey[i] }));
      });
      let uni = 0;
      let kn = 0;
      for (const s of steps) {
        uni += s.u.nats;
        kn += s.k.nats;
      }
      expect(steps).toHaveLength(expected.kneser_ney.tokens);
      expect(uni / steps.length).toBe(expected.unigram.nats_per_token);
      expect(kn / steps.length).toBe(expected.kneser_ney.nats_per_token);
      expect(steps.filter((s) => s.u.correct).length / steps.length).toBe(expected.unigram.accuracy);
      expect(steps.filter((s) => s.k.correct).length / steps.length).toBe(expected.kneser_ney.accuracy);
      for (const s of steps) expect(s.k.p).toBeCloseTo(Math.exp(-s.k.nats), 12);
    }
  });

  it('reads only the n − 1 tokens before a position', () => {
    const b = new PositionBaselines(train, 2);
    const [x] = b.score(['A3', 'G4', 'C5'], [2]).kneserNey;
    const [y] = b.score(['C4', 'E4', 'G4', 'C5'], [3]).kneserNey;
    expect(x.nats).toBe(y.nats);
  });
});
