import { ConfigError, InputError, InterruptedError, PianoLstmError, UnknownTypeError, exitCodeOf, formatLocation } from './errors';

describe('errors', () => {
  it.each([
    [{}, ''],
    [{ file: 'c.yaml' }, 'c.yaml'],
    [{ file: 'c.yaml', line: 7 }, 'c.yaml:7'],
    [{ file: 'c.yaml', line: 7, column: 12 }, 'c.yaml:7:12'],
    [{ line: 3, column: 1 }, '<config>:3:1'],
  ])('formatLocation(%j) = %p', (loc, text) => expect(formatLocation(loc)).toBe(text));

  it('formats config errors as location, path, detail — and updates when located later', () => {
    const e = new ConfigError('model.options.dropout', '1.4 is out of range (0 ≤ dropout < 1)');
    expect(e.message).toBe('model.options.dropout: 1.4 is out of range (0 ≤ dropout < 1)');
    e.at({ file: 'configs/x.yaml', line: 7, column: 12 });
    expect(e.message).toBe('configs/x.yaml:7:12 model.options.dropout: 1.4 is out of range (0 ≤ dropout < 1)');
  });

  it('names the unknown type and the known ones', () => {
    expect(new UnknownTypeError('Sampler', 'nucleus', 'sampler.type', ['argmax', 'top-k']).message).toBe(
      "unknown Sampler type 'nucleus' at sampler.type (known: argmax, top-k)",
    );
  });

  it.each([
    [new ConfigError('a', 'b'), 2],
    [new InputError('no files'), 2],
    [new InputError('nothing parsed', { exitCode: 1 }), 1],
    [new InterruptedError('stopped'), 130],
    [new PianoLstmError('runtime'), 1],
    [new Error('boom'), 1],
    ['a string', 1],
  ])('exit code of %p is %d', (err, code) => expect(exitCodeOf(err)).toBe(code));
});
