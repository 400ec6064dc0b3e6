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
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults-open/'],
      setupFilesAfterEnv: ['<rootDir>/test/jest-setup.ts'],
    },
    // Fault runs whose targets are not met yet (test/faults-open/README.md): not in `npm test`,
    // run by `npm run test:faults-open`.
    ...(process.env.FAULTS_OPEN
      ? [
          {
            ...common,
            displayName: 'faults-open',
            testMatch: ['<rootDir>/test/faults-open/**/*.test.ts'],
            setupFilesAfterEnv: ['<rootDir>/test/jest-setup.ts'],
          },
        ]
      : []),
  ],
};
