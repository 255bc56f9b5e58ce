module.exports = { ...require('../../jest.preset.js'), displayName: 'keras', rootDir: __dirname };
