// `npm test`: every package's unit tests plus the e2e suite, as one Jest run.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/e2e/jest.config.js'],
};
