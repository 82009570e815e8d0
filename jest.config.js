// One Jest run covers every tier; the file suffix decides the tier (see ../shared/STYLE.md).
// Nest 12 and uuid ship ESM only: swc turns them into CommonJS for Jest, as Node's require(esm) does at run time.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const base = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uuid|file-type|strtok3|token-types|@tokenizer|uint8array-extras)/)'],
  moduleNameMapper: { '^#libs/(.*)$': '<rootDir>/libs/$1/src' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'] },
    {
      ...base,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      setupFiles: ['<rootDir>/test/setup/stack-env.ts'],
      slowTestThreshold: 20,
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
      setupFiles: ['<rootDir>/test/setup/stack-env.ts'],
      slowTestThreshold: 30,
    },
  ],
};
