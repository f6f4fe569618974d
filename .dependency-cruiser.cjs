/**
 * The layers of the main process point one way (README, "Architecture"):
 *   cli / web / shell (main, ipc, preload) -> services -> transfer -> teachers, students, workers
 *   -> engine -> io ; store ; util ; shared at the bottom.
 * Each rule names a layer and the layers above it that it must not import. `npm run lint:layers` (part of
 * `npm run lint` and of the test suite) fails on any arrow against the picture.
 */
const layer = (name) => `^electron/${name}/`;
const any = (...names) => `^electron/(${names.join('|')})/`;
const ABOVE = {
  util: ['io', 'store', 'engine', 'teachers', 'students', 'workers', 'transfer', 'services', 'web', 'cli'],
  io: ['store', 'engine', 'teachers', 'students', 'workers', 'transfer', 'services', 'web', 'cli'],
  store: ['engine', 'teachers', 'students', 'workers', 'transfer', 'services', 'web', 'cli'],
  engine: ['store', 'teachers', 'students', 'workers', 'transfer', 'services', 'web', 'cli'],
  teachers: ['students', 'workers', 'transfer', 'services', 'web', 'cli'],
  students: ['store', 'teachers', 'transfer', 'services', 'web', 'cli'],
  workers: ['store', 'teachers', 'transfer', 'services', 'web', 'cli'],
  transfer: ['services', 'web', 'cli'],
  services: ['web', 'cli'],
  web: ['cli'],
};

module.exports = {
  forbidden: [
    ...Object.entries(ABOVE).map(([name, above]) => ({
      name: `${name}-points-down`,
      comment: `electron/${name} must not import ${above.join(', ')} (layers point one way)`,
      severity: 'error',
      from: { path: layer(name) },
      to: { path: any(...above) },
    })),
    {
      name: 'shared-is-the-bottom',
      comment: 'shared/ is imported by both processes and imports neither',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(electron|renderer)/' },
    },
    {
      name: 'renderer-talks-through-the-api',
      comment: 'the renderer reaches the main process only through the API (shared/ types), never its code',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^electron/' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle between modules makes both one module in two files',
      severity: 'error',
      from: { path: '^(electron|shared|renderer)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
