// Builds the privileged-architecture conformance programs:
//   tests/priv/src/<area>/<name>.S  ->  build/priv/<area>/<name>.elf
// Each program is assembled together with tests/priv/env/crt.S and linked with
// tests/priv/env/link.ld. A program is rebuilt only when its source, the env files or the
// compiler command line changed (a content hash is kept next to the ELF).
//
// Usable as a library (buildPrivTests) and as a script: `node dist/tests/priv/build.js`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CC = 'riscv64-linux-gnu-gcc';

/** One conformance program. */
export interface PrivProgram {
  /** "<area>/<name>", e.g. "vm/sv39_map" */
  id: string;
  area: string;
  name: string;
  src: string;
  elf: string;
  /** Known QEMU 7.2 deviation: QEMU is expected to fail this check number (QEMU-XFAIL). */
  qemuXfail?: { check: number; reason: string };
}

export interface BuildResult extends PrivProgram {
  rebuilt: boolean;
}

/** The project root: the nearest ancestor directory holding hv's package.json. */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hv') return dir;
      } catch {
        /* not ours */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`priv tests: cannot find hv's package.json above ${from}`);
    dir = up;
  }
}

export interface Paths {
  root: string;
  env: string;
  src: string;
  out: string;
  ld: string;
  crt: string;
}

export function privPaths(root: string = projectRoot()): Paths {
  const env = join(root, 'tests', 'priv', 'env');
  return {
    root,
    env,
    src: join(root, 'tests', 'priv', 'src'),
    out: join(root, 'build', 'priv'),
    ld: join(env, 'link.ld'),
    crt: join(env, 'crt.S'),
  };
}

/** Parses the `QEMU-XFAIL: <n> <reason>` marker of a program's header comment. */
export function parseQemuXfail(source: string): { check: number; reason: string } | undefined {
  const m = /QEMU-XFAIL:\s*(\d+)\s+([^\n]*(?:\n\s*\*\s{4,}[^\n]*)*)/.exec(source);
  if (!m) return undefined;
  const reason = m[2]!.replace(/\n\s*\*\s+/g, ' ').replace(/\s+/g, ' ').trim();
  return { check: Number(m[1]), reason };
}

/** Lists every program under tests/priv/src (sorted by id). */
export function listPrograms(paths: Paths = privPaths()): PrivProgram[] {
  const out: PrivProgram[] = [];
  if (!existsSync(paths.src)) return out;
  for (const area of readdirSync(paths.src, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const f of readdirSync(join(paths.src, area.name), { withFileTypes: true })) {
      if (!f.isFile() || !f.name.endsWith('.S')) continue;
      const name = f.name.slice(0, -2);
      const src = join(paths.src, area.name, f.name);
      const xfail = parseQemuXfail(readFileSync(src, 'utf8'));
      out.push({
        id: `${area.name}/${name}`,
        area: area.name,
        name,
        src,
        elf: join(paths.out, area.name, `${name}.elf`),
        ...(xfail ? { qemuXfail: xfail } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function ccArgs(paths: Paths, p: PrivProgram, out: string): string[] {
  return [
    '-march=rv64gc', '-mabi=lp64d', '-nostdlib', '-nostartfiles', '-static',
    '-Wl,--build-id=none',
    '-T', paths.ld, '-I', paths.env,
    '-o', out, paths.crt, p.src,
  ];
}

/** Throws a descriptive error when the cross compiler cannot be run. */
export function checkToolchain(): void {
  const r = spawnSync(CC, ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `priv tests: the RISC-V cross compiler \`${CC}\` is not available` +
        (r.error ? ` (${r.error.message})` : '') +
        `.\n    Install it with: apt-get install gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu` +
        `\n    (\`npm test\` installs it automatically when run as root).`,
    );
  }
}

function envHash(paths: Paths): string {
  const h = createHash('sha256');
  for (const f of readdirSync(paths.env).sort()) {
    h.update(f).update('\0').update(readFileSync(join(paths.env, f))).update('\0');
  }
  return h.digest('hex');
}

function run(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ status: null, output: output + String(e) }));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Builds every program whose inputs changed. Throws (with the compiler output) if any fails
 * to build, or if the toolchain is missing.
 */
export async function buildPrivTests(opts: { paths?: Paths; only?: (p: PrivProgram) => boolean; log?: (s: string) => void } = {}): Promise<BuildResult[]> {
  const paths = opts.paths ?? privPaths();
  const programs = listPrograms(paths).filter(opts.only ?? (() => true));
  checkToolchain();
  const env = envHash(paths);
  const failures: string[] = [];
  const results = await pool(programs, Math.max(1, Math.min(8, cpus().length)), async (p): Promise<BuildResult> => {
    const argsKey = ccArgs(paths, p, '<out>').map((a) => (a.startsWith(paths.root) ? relative(paths.root, a).split(sep).join('/') : a));
    const key = createHash('sha256').update(env).update(readFileSync(p.src)).update(JSON.stringify([CC, ...argsKey])).digest('hex');
    const stamp = `${p.elf}.inputs`;
    if (existsSync(p.elf) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === key) return { ...p, rebuilt: false };
    mkdirSync(dirname(p.elf), { recursive: true });
    const tmp = `${p.elf}.tmp`;
    const r = await run(CC, ccArgs(paths, p, tmp), paths.root);
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      failures.push(`${p.id} (${relative(paths.root, p.src)}):\n${r.output.trim()}`);
      return { ...p, rebuilt: false };
    }
    renameSync(tmp, p.elf);
    writeFileSync(stamp, `${key}\n`);
    opts.log?.(`built ${relative(paths.root, p.elf)}`);
    return { ...p, rebuilt: true };
  });
  if (failures.length > 0) throw new Error(`priv tests: ${failures.length} program(s) failed to build:\n\n${failures.join('\n\n')}`);
  return results;
}

// ---- script entry point --------------------------------------------------------------
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  buildPrivTests({ log: (s) => console.log(s) }).then(
    (r) => console.log(`priv tests: ${r.length} programs, ${r.filter((x) => x.rebuilt).length} rebuilt`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
