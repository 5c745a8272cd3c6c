// The direction of dependencies STYLE.md ("The shape") asks for, as dependency-cruiser rules.
// Used by test/unit/architecture/imports.test.ts; `npx depcruise --config test/architecture.depcruise.cjs agent hub fleet`
// prints the same findings by hand.
module.exports = {
  forbidden: [
    { name: 'no-cycle', comment: 'no import cycles, type-only imports included', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'contracts-import-nothing-of-moor',
      severity: 'error',
      from: { path: '^agent/contracts/' },
      to: { path: '^(agent|hub|fleet|test)/', pathNot: '^agent/contracts/' },
    },
    {
      name: 'planner-and-desired-stay-pure',
      severity: 'error',
      from: { path: '^agent/(planner|desired)/' },
      to: { path: '^agent/(executors|reconciler|store|reporter|source)/' },
    },
    {
      name: 'agent-does-not-import-hub-or-fleet',
      comment: 'the entry points: main.ts -> hub/cli.ts offers `moor hub`; the `moor fleet` verbs (agent/cli/fleet*.ts) drive fleet/',
      severity: 'error',
      from: { path: '^agent/', pathNot: '^agent/(main\\.ts|cli/fleet[a-z-]*\\.ts)$' },
      to: { path: '^(hub|fleet)/' },
    },
    {
      name: 'main-imports-only-the-hub-cli',
      severity: 'error',
      from: { path: '^agent/main\\.ts$' },
      to: { path: '^hub/', pathNot: '^hub/cli\\.ts$' },
    },
    {
      name: 'hub-and-fleet-share-only-contracts-desired-config-text-sqlite',
      severity: 'error',
      from: { path: '^(hub|fleet)/' },
      to: { path: '^agent/', pathNot: '^agent/(contracts|desired|config-text|sqlite)/' },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^(agent|hub|fleet)/' },
      to: { path: '^test/' },
    },
    {
      name: 'unit-tests-do-not-import-integration',
      severity: 'error',
      from: { path: '^test/unit/' },
      to: { path: '^test/(integration|e2e)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build)/' },
  },
};
