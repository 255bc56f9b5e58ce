module.exports = { ...require('../../jest.preset.js'), displayName: 'native-lstm', rootDir: __dirname };
