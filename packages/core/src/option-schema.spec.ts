import { configErrorOf } from './fake-registry.testing';
import { defineOptions, optionRows, optionsMarkdown, optionsParser, optionsText, withDefaults, type OptionsOf } from './option-schema';

const OPTIONS = defineOptions({
  layers: { type: 'int[]', default: [4, 8], minItems: 1, min: 1, max: 64, description: 'units' },
  dense: { type: 'int[]', single: true, default: [2], min: 1, max: 64, description: 'dense units' },
  dropout: { type: 'number', default: 0.3, min: 0, max: 1, maxExclusive: true, description: 'rate' },
  kind: { type: 'string', default: 'auto', choices: ['auto', 'fused'], description: 'which engine' },
  lr: { type: 'number', min: 0, minExclusive: true, defaultText: "the optimizer's", description: 'learning rate' },
  checkpoint: { type: 'object', description: 'checkpoints', options: { every: { type: 'int', default: 1, min: 1, description: 'epochs between' } } },
  penalty: { type: 'object', optional: true, description: 'off unless given', options: { window: { type: 'int', default: 32, min: 1, description: 'tokens' } } },
});
const parse = optionsParser(OPTIONS);

describe('options declared as data', () => {
  it('fills defaults, nested objects included; optional objects and options without default stay absent', () => {
    const o: OptionsOf<typeof OPTIONS> = parse(undefined, 'model.options');
    expect(o).toEqual({ layers: [4, 8], dense: [2], dropout: 0.3, kind: 'auto', checkpoint: { every: 1 } });
    expect(parse({ dense: 16, penalty: {} }, 'model.options')).toMatchObject({ dense: [16], penalty: { window: 32 } });
  });

  it.each([
    [{ dropout: 1 }, 'model.options.dropout: 1 is out of range (0 ≤ dropout < 1)'],
    [{ dense: 0 }, 'model.options.dense: 0 is out of range (1 ≤ dense ≤ 64)'],
    [{ layers: [4, 2.5] }, 'model.options.layers[1]: expected an integer, got 2.5'],
    [{ kind: 'native' }, "model.options.kind: 'native' is not one of auto, fused"],
    [{ checkpoint: { evry: 2 } }, "model.options.checkpoint.evry: unknown key 'evry' (did you mean 'every'?)"],
    [{ dropuot: 0.1 }, "model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?)"],
  ])('%j → %s (the OptionReader messages)', (raw, message) => {
    expect(configErrorOf(() => parse(raw, 'model.options'))).toBe(message);
  });

  it('runs the check across options after every option was read', () => {
    const checked = optionsParser(OPTIONS, (o, path) => {
      if (o.kind === 'fused' && o.dropout > 0) throw new Error(`${path}: fused takes no dropout`);
      return o;
    });
    expect(() => checked({ kind: 'fused' }, 'm')).toThrow('m: fused takes no dropout');
  });

  it('other defaults make another declaration, the original untouched', () => {
    const repo = withDefaults(OPTIONS, { layers: [16], kind: 'fused' });
    expect(optionsParser(repo)({}, 'm')).toMatchObject({ layers: [16], kind: 'fused' });
    expect(OPTIONS.layers.default).toEqual([4, 8]);
  });

  it('renders one row per option, nested ones dotted, for the terminal and for Markdown', () => {
    expect(optionRows(OPTIONS).map((r) => [r.option, r.type, r.default, r.range])).toEqual([
      ['layers', 'int[]', '[4, 8]', '≥ 1 item(s), each 1 ≤ x ≤ 64'],
      ['dense', 'int or int[]', '[2]', 'each 1 ≤ x ≤ 64'],
      ['dropout', 'number', '0.3', '0 ≤ dropout < 1'],
      ['kind', 'string', 'auto', 'auto, fused'],
      ['lr', 'number', "the optimizer's", 'lr > 0'],
      ['checkpoint', 'object', '', ''],
      ['checkpoint.every', 'int', '1', 'every ≥ 1'],
      ['penalty', 'object', 'off', ''],
      ['penalty.window', 'int', '32', 'window ≥ 1'],
    ]);
    expect(optionsText(OPTIONS)[0]).toMatch(/^option\s+type\s+default\s+range\s+description$/);
    const md = optionsMarkdown(OPTIONS).split('\n');
    expect(md[0]).toBe('| option | type | default | range | description |');
    expect(md).toContain("| `lr` | number | the optimizer's | lr > 0 | learning rate |");
    expect(md).toContain('| `dropout` | number | `0.3` | 0 ≤ dropout < 1 | rate |');
  });
});
