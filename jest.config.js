// One Jest run covers every tier; the file suffix decides the tier (see ../shared/STYLE.md).
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// Nest 12, aedes, uuid … ship ESM only. Node loads them through require(esm) at run time; Jest's module
// system cannot, so swc turns exactly those packages into CommonJS. The list is read from node_modules so
// a new ESM dependency needs no edit here.
function esmPackages() {
  const root = join(__dirname, 'node_modules');
  const names = [];
  const isEsm = (dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  };
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of readdirSync(join(root, entry))) if (isEsm(join(root, entry, sub))) names.push(`${entry}/${sub}`);
    } else if (isEsm(join(root, entry))) names.push(entry);
  }
  return names.map((n) => n.replace(/[.+]/g, '\\$&'));
}
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
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
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
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeouts.ts'],
      slowTestThreshold: 20,
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
      setupFiles: ['<rootDir>/test/setup/stack-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeouts.ts'],
      slowTestThreshold: 30,
    },
    {
      // the HA shape's kill tests: only against `npm run stack:up -- --ha` (npm test's HA lane raises it)
      ...base,
      displayName: 'ha',
      testMatch: ['<rootDir>/**/*.ha.spec.ts'],
      setupFiles: ['<rootDir>/test/setup/ha-stack-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeouts.ts'],
      slowTestThreshold: 120,
    },
  ],
};
