/**
 * The room rules (docs/architecture.md, .dependency-cruiser.cjs) enforced as a test.
 *
 * 1. dependency-cruiser runs over src/ with the project's rule file and every violation is listed.
 * 2. Every source file lies in a known room (a file without imports would slip past depcruise).
 * 3. The check itself is tested: a throw-away fixture tree that breaks every rule once must
 *    produce exactly the expected violations, and allowed imports must produce none. Without
 *    this, a typo in a regular expression could make the real check pass forever.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, readdirSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root: this file runs from dist/tests/architecture/. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface RuleConfig { ROOMS: Record<string, { may: string[]; extra?: string[] }>; PURE_ROOMS: string[]; forbidden: { name: string; comment?: string }[] }
const config = createRequire(import.meta.url)(CONFIG) as RuleConfig;

interface Violation { type: string; from: string; to: string; rule: { name: string; severity: string }; cycle?: { name: string }[] }

/** Runs depcruise on `targets` inside `cwd` with the project's rules; returns the violations. */
function cruise(cwd: string, targets: string[]): Violation[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...targets], {
    cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(r.error, undefined, `cannot run dependency-cruiser: ${r.error?.message}`);
  let result: { summary: { violations: Violation[]; totalCruised: number } };
  try {
    result = JSON.parse(r.stdout);
  } catch {
    assert.fail(`dependency-cruiser failed (status ${r.status}):\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  }
  assert.ok(result.summary.totalCruised > 0, 'dependency-cruiser cruised nothing');
  return result.summary.violations;
}

const describeViolation = (v: Violation): string => {
  const comment = config.forbidden.find((f) => f.name === v.rule.name)?.comment ?? '';
  const cycle = v.cycle ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')})` : '';
  return `  ${v.rule.name}: ${v.from} → ${v.to}${cycle}\n      ${comment}`;
};

/** Lists .ts files under dir, as paths relative to base with forward slashes. */
function tsFiles(dir: string, base: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, base, out);
    else if (e.name.endsWith('.ts')) out.push(relative(base, p).split('\\').join('/'));
  }
  return out;
}

const roomOf = (file: string): string | undefined =>
  Object.keys(config.ROOMS).find((room) => file.startsWith(`src/${room}/`));

describe('room rules on src/', () => {
  test('dependency-cruiser finds no violations', () => {
    const violations = cruise(ROOT, ['src']);
    assert.equal(violations.length, 0,
      `${violations.length} dependency rule violation(s) (see docs/architecture.md):\n${violations.map(describeViolation).join('\n')}`);
  });

  test('the allow-list in docs/architecture.md matches .dependency-cruiser.cjs', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const section = /^## Allowed imports\n([\s\S]*?)(?=^## )/m.exec(doc)?.[1];
    assert.ok(section, 'docs/architecture.md has an "## Allowed imports" section');
    const documented: Record<string, string[]> = {};
    for (const line of section.split('\n')) {
      const m = /^\|\s*`([^`]+)`\s*\|([^|]*)\|/.exec(line);
      if (m) documented[m[1]!] = [...m[2]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!).sort();
    }
    const configured = Object.fromEntries(Object.entries(config.ROOMS).map(([room, r]) => [room, [...r.may].sort()]));
    assert.deepEqual(documented, configured);
  });

  test('every source file is in a room', () => {
    const stray = tsFiles(join(ROOT, 'src'), ROOT).filter((f) => roomOf(f) === undefined);
    assert.deepEqual(stray, [], `files outside every room (move them, or add a room to .dependency-cruiser.cjs and docs/architecture.md): ${stray.join(', ')}`);
  });
});

describe('the rule check catches violations (fixture tree)', () => {
  // Inside the repo (in the git-ignored .cache/) so that npm packages such as typescript
  // resolve through the project's node_modules, as they do for src/.
  let dir = '';
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  /** Import specifier from file `from` to file `to` (both fixture-relative .ts paths). */
  const spec = (from: string, to: string) => {
    const rel = relative(dirname(from), to).split('\\').join('/').replace(/\.ts$/, '.js');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const importer = (from: string, targets: string[]) =>
    write(from, `${targets.map((t, i) => `import * as m${i} from '${t.endsWith('.ts') ? spec(from, t) : t}';`).join('\n')}\nexport const all = [${targets.map((_, i) => `m${i}`).join(', ')}];\n`);

  /** The violations the fixture must produce, as "rule from → to". */
  const expected = new Set<string>();
  const rooms = Object.keys(config.ROOMS);

  before(() => {
    mkdirSync(join(ROOT, '.cache'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.cache', 'deps-fixture-'));
    write('package.json', JSON.stringify({ name: 'fixture', type: 'module', devDependencies: { typescript: '*' } }));
    write('tsconfig.json', JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [] },
      include: ['src/**/*.ts', 'tests/**/*.ts'],
    }));
    for (const room of rooms) write(`src/${room}/leaf.ts`, 'export const leaf = 1;\n');

    // One forbidden import per room: each room rule must fire.
    for (const room of rooms) {
      const allowed = new Set([room, ...config.ROOMS[room]!.may]);
      const target = rooms.find((r) => !allowed.has(r) && !r.startsWith(`${room}/`) && !room.startsWith(`${r}/`))!;
      const from = `src/${room}/probe.ts`;
      importer(from, [`src/${target}/leaf.ts`]);
      expected.add(`room-${room.replace('/', '-')} ${from} → src/${target}/leaf.ts`);
    }
    // Node I/O from every pure room, in both spellings (depcruise reports both as the bare name).
    for (const [i, room] of config.PURE_ROOMS.entries()) {
      const from = `src/${room}/io.ts`;
      const mod = ['fs', 'net', 'child_process', 'worker_threads', 'fs/promises'][i % 5]!;
      importer(from, [i % 2 ? `node:${mod}` : mod]);
      expected.add(`no-node-io-in-pure-rooms ${from} → ${mod}`);
    }
    // A device reaching into another device.
    write('src/devices/plic/regs.ts', 'export const PRIORITY = 0;\n');
    importer('src/devices/uart/device.ts', ['src/devices/plic/regs.ts']);
    expected.add('devices-no-cross-device src/devices/uart/device.ts → src/devices/plic/regs.ts');
    // A file outside every room.
    importer('src/stray/thing.ts', ['src/base/leaf.ts']);
    expected.add('not-in-a-room src/stray/thing.ts → src/base/leaf.ts');
    importer('src/cpu/loose.ts', ['src/base/leaf.ts']);
    expected.add('not-in-a-room src/cpu/loose.ts → src/base/leaf.ts');
    // A cycle (reported once, at the first module depcruise meets on it).
    importer('src/base/a.ts', ['src/base/b.ts']);
    importer('src/base/b.ts', ['src/base/c.ts']);
    importer('src/base/c.ts', ['src/base/a.ts']);
    expected.add('no-circular src/base/a.ts → src/base/b.ts');
    // An import that resolves to nothing.
    importer('src/fdt/broken.ts', ['./missing.js']);
    expected.add('no-unresolvable src/fdt/broken.ts → ./missing.js');
    // Shipped code importing test fakes, a devDependency, or build output.
    write('tests/fakes/fake.ts', 'export const fake = 1;\n');
    importer('src/bus/uses-fake.ts', ['tests/fakes/fake.ts']);
    expected.add('src-not-to-tests src/bus/uses-fake.ts → tests/fakes/fake.ts');
    importer('src/vm/uses-tsc.ts', ['typescript']);
    expected.add(`src-not-to-dev-deps src/vm/uses-tsc.ts → ${relative(dir, ROOT).split('\\').join('/')}/node_modules/typescript/lib/typescript.js`);
    write('dist/src/vm/built.js', 'export const built = 1;\n');
    write('src/vm/uses-dist.ts', "import * as b from '../../dist/src/vm/built.js';\nexport const all = [b];\n");
    expected.add('no-build-output src/vm/uses-dist.ts → dist/src/vm/built.js');

    // Allowed imports that must stay quiet.
    write('src/devices/virtio/blk/backend.ts', 'export interface BlockBackend { readonly sectors: number }\n');
    write('src/devices/virtio/queue.ts', 'export const QUEUE = 1;\n');
    importer('src/devices/virtio/blk/device.ts', ['src/devices/virtio/queue.ts', 'src/bus/leaf.ts', 'src/memory/leaf.ts', 'src/base/leaf.ts', 'src/devices/leaf.ts', 'src/devices/virtio/blk/backend.ts']);
    importer('src/backends/file-block.ts', ['src/devices/virtio/blk/backend.ts', 'src/base/leaf.ts', 'node:fs', 'node:net']);
    importer('src/devices/virtio/blk/device.test.ts', ['tests/fakes/fake.ts', 'node:fs', 'node:assert/strict']);
    importer('src/machine/virt/board.ts', ['src/devices/virtio/blk/device.ts', 'src/backends/file-block.ts', 'src/fdt/leaf.ts', 'src/boot/leaf.ts', 'src/cpu/host/leaf.ts']);
    importer('src/cli/main.ts', ['src/vm/leaf.ts', 'src/images/leaf.ts', 'src/boot/leaf.ts', 'src/api/leaf.ts', 'node:fs', 'node:process']);
    importer('src/images/fetch.ts', ['node:child_process', 'node:fs/promises', 'node:zlib']);
    importer('src/memory/ram.ts', ['src/layout/leaf.ts', 'node:util']);
  });

  after(() => { if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true }); });

  test('each broken rule is reported exactly where it is broken, and nowhere else', () => {
    const violations = cruise(dir, ['src']);
    const got = new Set(violations.map((v) => `${v.rule.name} ${v.from} → ${v.to}`));
    const missing = [...expected].filter((e) => !got.has(e));
    const unexpected = [...got].filter((g) => !expected.has(g));
    assert.deepEqual({ missing, unexpected }, { missing: [], unexpected: [] });
  });

  test('every rule in .dependency-cruiser.cjs is exercised by the fixture', () => {
    const exercised = new Set([...expected].map((e) => e.split(' ')[0]));
    const unexercised = config.forbidden.map((r) => r.name).filter((n) => !exercised.has(n));
    assert.deepEqual(unexercised, [], 'add a violating file for each new rule to this fixture');
  });
});
