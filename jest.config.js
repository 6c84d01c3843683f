/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // SIP/RTP suites bind sockets and spawn SIPp; two cores, so keep parallelism modest.
  maxWorkers: 2,
  testTimeout: 30000,
};
