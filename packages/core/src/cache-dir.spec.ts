import * as path from 'node:path';
import { defaultCacheDir } from './cache-dir';

describe('the token cache folder (issue 18 item 7)', () => {
  const home = () => '/home/ada';
  it('PIANO_LSTM_CACHE wins, then $XDG_CACHE_HOME/piano-lstm, then ~/.cache/piano-lstm', () => {
    expect(defaultCacheDir({ PIANO_LSTM_CACHE: '/tmp/c', XDG_CACHE_HOME: '/x' }, home)).toBe('/tmp/c');
    expect(defaultCacheDir({ PIANO_LSTM_CACHE: 'rel' }, home)).toBe(path.resolve('rel'));
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, home)).toBe('/x/piano-lstm');
    expect(defaultCacheDir({ PIANO_LSTM_CACHE: '', XDG_CACHE_HOME: 'relative-is-ignored' }, home)).toBe('/home/ada/.cache/piano-lstm');
    expect(defaultCacheDir({}, home)).toBe('/home/ada/.cache/piano-lstm');
  });
});
