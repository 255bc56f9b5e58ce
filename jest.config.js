// `npm test`: every package's unit tests plus the e2e suite, as one Jest run.
// testTimeout is a global option (per-project values are ignored under `projects`); the e2e
// specs run the real CLI, which on a busy 2-core machine can take well over Jest's 5 s default.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/e2e/jest.config.js'],
  testTimeout: 180000,
};
