// End-to-end tests run the built CLI (`npm test` builds first) and real packages.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testTimeout: 300000,
};
