import { formatTemplate, templateFields } from './filename-template';

describe('formatTemplate (Keras ModelCheckpoint names)', () => {
  it.each([
    ['weights-improvement-{epoch:02d}-{loss:.4f}-bigger', { epoch: 3, loss: 2.345678 }, 'weights-improvement-03-2.3457-bigger'],
    ['{epoch:02d}-{val_loss:.4f}', { epoch: 12, val_loss: 0.5 }, '12-0.5000'],
    ['e{epoch}', { epoch: 7 }, 'e7'],
    ['{epoch:4d}x', { epoch: 7 }, '   7x'],
    ['{loss:.2e}', { loss: 0.000123 }, '1.23e-04'],
    ['last', {}, 'last'],
  ])('%s', (template, values, expected) => {
    expect(formatTemplate(template, values)).toBe(expected);
  });

  it('names a field without a value and the ones available', () => {
    expect(() => formatTemplate('{val_loss:.4f}', { epoch: 1, loss: 2 })).toThrow("'{val_loss}' has no value here (available: epoch, loss)");
  });

  it('rejects unsupported formats and names that are not folder names', () => {
    expect(() => formatTemplate('{loss:x}', { loss: 1 })).toThrow("format ':x' is not supported");
    expect(() => formatTemplate('a/{epoch}', { epoch: 1 })).toThrow('not a folder name');
  });

  it('lists fields', () => {
    expect(templateFields('w-{epoch:02d}-{loss:.4f}')).toEqual(['epoch', 'loss']);
  });
});
