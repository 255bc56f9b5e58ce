import { checkpointLine } from './model-checkpoint';

describe('checkpointLine (Keras ModelCheckpoint verbose=1)', () => {
  it('says what improved, from what, and the folder written', () => {
    expect(checkpointLine('loss', 'min', 5, { before: 2.61, current: 2.47, improved: true, saved: 'weights-improvement-05-2.4700-bigger' })).toBe(
      'epoch 5: loss improved from 2.6100 to 2.4700, saved weights-improvement-05-2.4700-bigger',
    );
    expect(checkpointLine('loss', 'min', 6, { before: 2.47, current: 2.5, improved: false })).toBe('epoch 6: loss did not improve from 2.4700');
  });

  it('starts from +inf when lower is better and -inf when higher is, as Keras', () => {
    expect(checkpointLine('val_loss', 'min', 1, { current: 3.2, improved: true, saved: 'e01' })).toBe('epoch 1: val_loss improved from inf to 3.2000, saved e01');
    expect(checkpointLine('accuracy', 'max', 1, { current: 0.25, improved: true, saved: 'e01' })).toBe('epoch 1: accuracy improved from -inf to 0.2500, saved e01');
  });

  it('names a checkpoint written without an improvement (saveBestOnly: false)', () => {
    expect(checkpointLine('loss', 'min', 3, { before: 1, current: 1.5, improved: false, saved: 'e03' })).toBe('epoch 3: loss did not improve from 1.0000, saved e03');
  });
});
