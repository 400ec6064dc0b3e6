// ESM + TypeScript through @swc/jest; run with NODE_OPTIONS=--experimental-vm-modules (see package.json).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  // One test file at a time (the integration tests start servers and measure time on 2 cores),
  // in a worker that jest replaces once a file leaves more than 256 MB of heap in use. Run all in
  // one process (`--runInBand`), the heap grew to 0.9 GB by the fault runs at the end, and the
  // pauses of its garbage collection (up to 1.4 s in CI) delayed the load and the fake
  // providers that those runs time.
  maxWorkers: 1,
  workerIdleMemoryLimit: '256MB',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{app,lib,component,relay,relay-client,store}/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/jest-setup.ts'],
    },
  ],
};
