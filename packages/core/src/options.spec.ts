import { configErrorOf as messageOf } from './fake-registry.testing';
import { OptionReader, editDistance, nearest, rangeText } from './options';

describe('OptionReader', () => {
  const cases: { name: string; raw: unknown; read: (r: OptionReader) => unknown; expected?: unknown; error?: string }[] = [
    { name: 'default when absent', raw: {}, read: (r) => r.number('lr', { default: 0.001 }), expected: 0.001 },
    { name: 'null means default', raw: { lr: null }, read: (r) => r.number('lr', { default: 0.001 }), expected: 0.001 },
    { name: 'inclusive range ok at bound', raw: { d: 0 }, read: (r) => r.number('d', { min: 0, max: 1, maxExclusive: true }), expected: 0 },
    { name: 'exclusive upper bound', raw: { d: 1 }, read: (r) => r.number('d', { min: 0, max: 1, maxExclusive: true }), error: 'm.options.d: 1 is out of range (0 ≤ d < 1)' },
    { name: 'lower bound only', raw: { n: 0 }, read: (r) => r.int('n', { min: 1 }), error: 'm.options.n: 0 is out of range (n ≥ 1)' },
    { name: 'exclusive lower bound only', raw: { t: 0 }, read: (r) => r.number('t', { min: 0, minExclusive: true }), error: 'm.options.t: 0 is out of range (t > 0)' },
    { name: 'integer required', raw: { n: 2.5 }, read: (r) => r.int('n'), error: 'm.options.n: expected an integer, got 2.5' },
    { name: 'string where number expected', raw: { n: '3' }, read: (r) => r.number('n'), error: "m.options.n: expected a number, got '3'" },
    { name: 'choice', raw: { k: 'adamw' }, read: (r) => r.string('k', { default: 'adam', choices: ['adam', 'sgd'] }), error: "m.options.k: 'adamw' is not one of adam, sgd" },
    { name: 'boolean', raw: { b: 'yes' }, read: (r) => r.boolean('b'), error: "m.options.b: expected true or false, got 'yes'" },
    { name: 'string list from one string', raw: { p: 'a' }, read: (r) => r.stringArray('p'), expected: ['a'] },
    { name: 'number list item path', raw: { t: [-5, 'x'] }, read: (r) => r.numberArray('t'), error: "m.options.t[1]: expected a number, got 'x'" },
    { name: 'number list length', raw: { t: [1] }, read: (r) => r.numberArray('t', { length: 2 }), error: 'm.options.t: expected exactly 2 numbers, got 1' },
    { name: 'nested object path', raw: { c: { every: -1 } }, read: (r) => r.object('c')!.int('every', { min: 1 }), error: 'm.options.c.every: -1 is out of range (every ≥ 1)' },
    { name: 'object never prints [object Object]', raw: { k: { a: 1 } }, read: (r) => r.string('k'), error: 'm.options.k: expected a string, got a mapping ({"a":1})' },
  ];

  it.each(cases)('$name', ({ raw, read, expected, error }) => {
    const r = new OptionReader(raw, 'm.options');
    if (error) expect(messageOf(() => read(r))).toBe(error);
    else expect(read(r)).toEqual(expected);
  });

  it('done() names an unknown key and the nearest known one', () => {
    const r = new OptionReader({ learningRate: 1, epochz: 3 }, 'trainer.options');
    r.number('learningRate');
    r.int('epochs');
    expect(messageOf(() => r.done())).toBe("trainer.options.epochz: unknown key 'epochz' (did you mean 'epochs'?)");
  });

  it('done() lists the known keys when nothing is close', () => {
    const r = new OptionReader({ zzzzzzzz: 1 }, 'x');
    r.int('epochs');
    expect(messageOf(() => r.done())).toBe("x.zzzzzzzz: unknown key 'zzzzzzzz' (known keys: epochs)");
  });

  it('rejects options that are not a mapping', () => {
    expect(messageOf(() => new OptionReader([1, 2], 'model.options'))).toBe('model.options: expected a mapping of options, got a list ([1,2])');
  });
});

describe('helpers', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['dropout', 'dropout', 0],
    ['dropuot', 'dropout', 2],
  ])('editDistance(%s, %s) = %d', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  it.each([
    ['smapler', ['sampler', 'sink', 'source'], 'sampler'],
    ['Seed', ['seed', 'name'], 'seed'],
    ['qqqqqq', ['seed', 'name'], undefined],
  ])('nearest(%s)', (w, c, e) => expect(nearest(w, c)).toBe(e));

  it.each([
    [{ min: 0, max: 1, maxExclusive: true }, '0 ≤ x < 1'],
    [{ min: 0, minExclusive: true, max: 2 }, '0 < x ≤ 2'],
    [{ max: 5 }, 'x ≤ 5'],
    [{ min: 1 }, 'x ≥ 1'],
  ])('rangeText(%j)', (rule, text) => expect(rangeText('x', rule)).toBe(text));
});
