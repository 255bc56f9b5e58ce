import { stepsOf } from './sweep-progress';
import { TRIAL_PATTERN, trialId, trialNumber } from './sweep-files';

describe('trial ids', () => {
  it('are trial-NNN, numbered from 1, and read back', () => {
    expect([trialId(1), trialId(12), trialId(1234)]).toEqual(['trial-001', 'trial-012', 'trial-1234']);
    expect([trialNumber('trial-012'), trialNumber('trial-1234'), trialNumber('other'), trialNumber('trial-x')]).toEqual([12, 1234, undefined, undefined]);
    expect(TRIAL_PATTERN).toBe('trial-NNN');
  });

  it('show progress as n/total', () => {
    expect(stepsOf('trial-002', 4)).toBe('2/4');
    expect(stepsOf('odd', 4)).toBe('odd/4');
  });
});
