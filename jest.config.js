/** Jest: swc transforms our TypeScript and Nest 12's ESM packages (STACK-NOTES). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const aliases = Object.fromEntries(
  ['alert-format', 'config', 'db', 'queue', 'triage', 'observability', 'notify', 'escalation', 'testing'].map((lib) => [
    `^@klaxon/${lib}$`,
    `<rootDir>/libs/${lib}/src`,
  ]),
);
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  moduleNameMapper: aliases,
  setupFiles: ['reflect-metadata'],
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/*/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], slowTestThreshold: 30 },
  ],
};
