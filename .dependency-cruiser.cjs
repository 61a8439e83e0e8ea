/**
 * hv's room rules, checked by dependency-cruiser (`npm run check:deps`, and by
 * tests/architecture/deps.test.ts as part of `npm test`).
 *
 * Each room under src/ may import only the rooms listed in ROOMS below (and itself).
 * The table, the reasons behind it and the deviations from the architecture guide are in
 * docs/architecture.md and docs/adr/0002-dependency-rules.md — change all three together.
 *
 * Rules apply to test files (*.test.ts) inside a room too, with two exceptions: tests may use
 * Node I/O modules and may import shared fakes from tests/.
 */
'use strict';

/**
 * room → rooms it may import besides itself. A room is the folder src/<room>/.
 * `extra` lists further allowed targets as regular expressions over the repo-relative path.
 */
const ROOMS = {
  base: { may: [] },
  isa: { may: ['base'] },
  layout: { may: ['base'] },
  // AssemblyScript: talks to the host only through wasm imports/exports; its generated
  // layout/ISA bindings live inside the room (src/cpu/assembly/gen/).
  'cpu/assembly': { may: [] },
  'cpu/host': { may: ['base', 'layout', 'bus', 'memory'] },
  'cpu/jit': { may: ['base', 'isa', 'layout', 'bus', 'memory', 'cpu/host'] },
  // memory needs layout for where RAM and the page-generation table sit in wasm memory.
  memory: { may: ['base', 'layout'] },
  bus: { may: ['base'] },
  fdt: { may: ['base'] },
  // A device declares the backend interface it needs in its own folder (e.g.
  // src/devices/virtio/blk/backend.ts); backends implement it. Devices never import backends.
  devices: { may: ['base', 'memory', 'bus', 'snapshot'] },
  backends: { may: ['base'], extra: ['^src/devices/[^/]+/backend\\.ts$', '^src/devices/[^/]+/[^/]+/backend\\.ts$'] },
  boot: { may: ['base', 'memory'] },
  // Host-side guest-image tooling (disk images, downloads): pure host code. It may use the
  // block backends (qcow2 writer) to create and convert disk images; see ADR 0002.
  images: { may: ['base', 'backends'] },
  'machine/virt': { may: ['base', 'layout', 'memory', 'bus', 'devices', 'backends', 'fdt', 'boot', 'cpu/host', 'cpu/jit', 'snapshot'] },
  snapshot: { may: ['base'] },
  migration: { may: ['base', 'snapshot', 'memory'] },
  vm: { may: ['base', 'api', 'machine/virt', 'cpu/host', 'boot', 'memory', 'snapshot', 'migration'] },
  api: { may: ['base'] },
  daemon: { may: ['base', 'api', 'vm'] },
  // `hv run` still runs a VM in-process through vm/; the VM commands (src/cli/vm.ts) are API
  // clients; `hv daemon` (src/cli/daemon.ts) starts the daemon in the foreground, hence daemon.
  cli: { may: ['base', 'api', 'vm', 'images', 'boot', 'daemon'] },
  web: { may: ['api'] },
  cluster: { may: ['base', 'api'] },
};

/** Rooms whose code must stay free of host I/O (devices get backends; memory/cpu get buffers). */
const PURE_ROOMS = ['isa', 'layout', 'cpu/host', 'cpu/jit', 'memory', 'bus', 'fdt', 'devices', 'boot', 'api'];

/** Node built-ins that reach the host (files, network, processes, threads, terminal, env). */
const NODE_IO_MODULES = [
  'fs', 'fs/promises', 'net', 'dgram', 'dns', 'dns/promises', 'http', 'https', 'http2', 'tls',
  'child_process', 'cluster', 'worker_threads', 'readline', 'readline/promises', 'tty', 'os',
  'process', 'inspector', 'repl', 'module', 'v8', 'vm', 'wasi',
];

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const roomRe = (room) => `^src/${esc(room)}/`;
const TEST_FILE = '\\.test\\.ts$';

const roomRules = Object.entries(ROOMS).map(([room, { may, extra = [] }]) => ({
  name: `room-${room.replace('/', '-')}`,
  comment: `src/${room}/ may import only ${[room, ...may].join(', ')}${extra.length ? ' (+ ' + extra.join(', ') + ')' : ''}; see docs/architecture.md`,
  severity: 'error',
  from: { path: roomRe(room) },
  to: {
    path: '^src/',
    pathNot: [roomRe(room), ...may.map(roomRe), ...extra],
  },
}));

module.exports = {
  forbidden: [
    ...roomRules,
    {
      name: 'devices-no-cross-device',
      comment: 'a device may not reach into another device\'s folder; shared device code goes in src/devices/*.ts',
      severity: 'error',
      from: { path: '^src/devices/([^/]+)/' },
      to: { path: '^src/devices/[^/]+/', pathNot: '^src/devices/$1/' },
    },
    {
      name: 'not-in-a-room',
      comment: `every source file lives in a room: ${Object.keys(ROOMS).map((r) => `src/${r}/`).join(', ')}`,
      severity: 'error',
      from: { path: '^src/', pathNot: Object.keys(ROOMS).map(roomRe) },
      to: {},
    },
    {
      name: 'no-node-io-in-pure-rooms',
      comment: `${PURE_ROOMS.join(', ')} must not import Node I/O modules; inject a backend, clock or buffer instead`,
      severity: 'error',
      from: { path: PURE_ROOMS.map(roomRe), pathNot: TEST_FILE },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${NODE_IO_MODULES.map(esc).join('|')})$` },
    },
    {
      name: 'no-circular',
      comment: 'modules must not depend on each other in a cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'every import must resolve (relative imports end in .js and name an existing .ts file)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cpu/assembly/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-tests',
      comment: 'only test files may import from tests/ (fakes, fixtures)',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: '^tests/' },
    },
    {
      name: 'src-not-to-dev-deps',
      comment: 'shipped code must not import devDependencies',
      severity: 'error',
      from: { path: '^src/', pathNot: [TEST_FILE, '^src/cpu/assembly/'] },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-build-output',
      comment: 'sources must not import compiled output',
      severity: 'error',
      from: {},
      to: { path: '^(dist|build)/' },
    },
  ],
  options: {
    // Only src/ is cruised; whatever it reaches outside (npm packages, tests/, a stray import of
    // dist/) is recorded as a dependency but not followed further.
    doNotFollow: { path: ['node_modules', '^dist/', '^build/', '^tests/'] },
    moduleSystems: ['es6', 'cjs'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

// The tables, for tests and tools (tests/architecture/deps.test.ts). Non-enumerable so
// dependency-cruiser's strict config schema does not see them.
for (const [key, value] of Object.entries({ ROOMS, PURE_ROOMS, NODE_IO_MODULES })) {
  Object.defineProperty(module.exports, key, { value, enumerable: false });
}
