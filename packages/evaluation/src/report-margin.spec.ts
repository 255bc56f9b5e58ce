import { compareWithBaselines, computeBaselines } from './baselines';
import { marginText } from './report-margin';
import { formatComparison } from './run-evaluation';

const seq = (s: string) => s.split(' ');
const baselines = computeBaselines([seq('a b c a b c a b d a b c')], [seq('a b c a b d')], { n: 2 });
const kn = baselines.kneser_ney.nats_per_token!;

describe('marginText and the terminal comparison', () => {
  it('says by how much the model beats the n-gram, and on how many tokens (few tokens: uncertain)', () => {
    const c = compareWithBaselines({ nats_per_token: kn - 0.41, accuracy: 0.5 }, baselines);
    expect(marginText(c)).toBe(`the model beats the 2-gram Kneser-Ney baseline by 0.41 nats/token on 6 validation tokens (${(kn - 0.41).toFixed(2)} vs ${kn.toFixed(2)}); only 6 validation tokens, so the margin is uncertain`);
    expect(formatComparison(c).slice(-1)).toEqual([marginText(c)]);
    expect(marginText({ ...c, kneser_ney: { ...c.kneser_ney, tokens: 1234 } })).toBe(`the model beats the 2-gram Kneser-Ney baseline by 0.41 nats/token on 1,234 validation tokens (${(kn - 0.41).toFixed(2)} vs ${kn.toFixed(2)})`);
  });

  it('gives no margin when the model does not win (the warning stays) or has no loss', () => {
    const lost = compareWithBaselines({ nats_per_token: kn + 0.2, accuracy: 0.1 }, baselines);
    expect(marginText(lost)).toBeNull();
    expect(formatComparison(lost).slice(-1)[0]).toMatch(/^warning: validation loss .* does not beat the 2-gram Kneser-Ney baseline/);
    expect(formatComparison(lost).some((l) => l.includes('beats the'))).toBe(false);
    expect(marginText(compareWithBaselines({ nats_per_token: null }, baselines))).toBeNull();
  });
});
