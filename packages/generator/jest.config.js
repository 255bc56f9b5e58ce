module.exports = { ...require('../../jest.preset.js'), displayName: 'generator', rootDir: __dirname };
