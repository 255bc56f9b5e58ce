require('reflect-metadata');

// Tests never write into the real token cache (~/.cache/piano-lstm): a PIANO_LSTM_CACHE already
// set (CI, a developer's choice) is respected; otherwise one folder under the system temp folder.
// The e2e tests spawn the CLI with this environment, so they inherit it.
if (!process.env.PIANO_LSTM_CACHE) {
  process.env.PIANO_LSTM_CACHE = require('node:path').join(require('node:os').tmpdir(), 'piano-lstm-test-cache');
}
