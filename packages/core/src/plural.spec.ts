import { plural } from './plural';

it('counts in words people read: 1 file, 2 files, 0 files', () => {
  expect([0, 1, 2].map((n) => plural(n, 'file'))).toEqual(['0 files', '1 file', '2 files']);
  expect(plural(1, 'piece', 'pieces')).toBe('1 piece');
});
