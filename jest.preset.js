// Shared Jest settings: every package's tests import sibling packages from source,
// so `jest` works without building first.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.spec.base.json') }],
  },
  moduleNameMapper: {
    '^@piano-lstm/(core|midi-io|model|trainer|generator|cli|evaluation|native-lstm|keras)$': path.join(root, 'packages/$1/src/index.ts'),
  },
  setupFiles: [path.join(root, 'jest.setup.js')],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
