module.exports = { ...require('../../jest.preset.js'), displayName: 'midi-io', rootDir: __dirname };
