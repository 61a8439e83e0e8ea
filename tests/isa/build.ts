/**
 * Builds the unprivileged-ISA conformance programs (tests/isa/src/<area>/<name>.S) and the CPU
 * benchmark guests (bench/guest/*.S|*.c) into bare-metal RV64GC ELF files:
 *
 *   build/isa/<area>/<name>.elf
 *   build/bench/guest/<name>.elf
 *
 * A program is rebuilt only when its source, a file of tests/isa/env/ or the compiler command
 * changed: the SHA-256 of all of those is kept next to the ELF in `<name>.elf.src-hash`.
 * At most two compilers run at a time.
 *
 * Stand-alone use (after `npx tsc -p tsconfig.json`):  node dist/tests/isa/build.js [--force]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CC = 'riscv64-linux-gnu-gcc';

/** The HTIF tohost/fromhost words for small hand-written test guests (same layout as tests/isa/env). */
export const HTIF_SECTION = `
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
`;
const DEBIAN_PACKAGES = 'gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu';

/** One program to build. */
export interface GuestProgram {
  /** e.g. "rv64i/add" or "bench/intloop" */
  id: string;
  /** absolute path of the .S / .c source */
  src: string;
  /** absolute path of the ELF to produce */
  elf: string;
  /** extra compiler arguments (e.g. -O2 for C) */
  extraArgs: string[];
  /** further sources linked in front of `src` (the benchmark start-up bench/guest/crt.S) */
  extraSources: string[];
}

/** A built program. */
export interface BuiltProgram extends GuestProgram {
  /** true when it was (re)compiled by this call, false when the cached ELF was up to date */
  rebuilt: boolean;
}

/** Raised when the RISC-V cross toolchain is not installed. */
export class ToolchainMissingError extends Error {
  constructor(detail: string) {
    super(
      `tests/isa: the RISC-V cross compiler \`${CC}\` is not usable (${detail}).\n` +
        `    Install the Debian packages: sudo apt-get install ${DEBIAN_PACKAGES}`,
    );
    this.name = 'ToolchainMissingError';
  }
}

/** Raised when a program fails to compile; carries the compiler output. */
export class GuestBuildError extends Error {
  constructor(readonly program: GuestProgram, readonly output: string) {
    super(`tests/isa: building ${relative(projectRoot(), program.src)} failed:\n${output}`);
    this.name = 'GuestBuildError';
  }
}

let rootCache: string | undefined;

/** The project root: the nearest ancestor directory of this module holding package.json. */
export function projectRoot(): string {
  if (rootCache !== undefined) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('tests/isa: cannot find the project root (package.json)');
    dir = up;
  }
  rootCache = dir;
  return dir;
}

export function envDir(): string { return join(projectRoot(), 'tests', 'isa', 'env'); }
export function isaSrcDir(): string { return join(projectRoot(), 'tests', 'isa', 'src'); }
export function isaBuildDir(): string { return join(projectRoot(), 'build', 'isa'); }
export function benchSrcDir(): string { return join(projectRoot(), 'bench', 'guest'); }
export function benchBuildDir(): string { return join(projectRoot(), 'build', 'bench', 'guest'); }

/** The compiler command line (without the sources and output); paths relative to the project root. */
export function compilerArgs(extra: string[] = []): string[] {
  const env = relative(projectRoot(), envDir());
  return [
    '-march=rv64gc', '-mabi=lp64d',
    '-nostdlib', '-nostartfiles', '-static',
    '-fno-pic', '-Wl,--build-id=none',
    '-T', join(env, 'link.ld'),
    '-I', env,
    ...extra,
  ];
}

/** Throws ToolchainMissingError when the cross compiler cannot be run. */
export function checkToolchain(): void {
  const r = spawnSync(CC, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new ToolchainMissingError(code === 'ENOENT' ? 'not found on PATH' : r.error.message);
  }
  if (r.status !== 0) throw new ToolchainMissingError(`\`${CC} --version\` exited with ${r.status}`);
}

function listFiles(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Every ISA test program: tests/isa/src/<area>/<name>.S. */
export function isaPrograms(): GuestProgram[] {
  return listFiles(isaSrcDir(), /\.S$/).map((src) => {
    const rel = relative(isaSrcDir(), src).replace(/\\/g, '/');
    const id = rel.slice(0, -2);
    return { id, src, elf: join(isaBuildDir(), `${id}.elf`), extraArgs: [], extraSources: [] };
  });
}

/**
 * The CPU benchmark guests: bench/guest/<name>.S or <name>.c, each linked after the shared
 * start-up bench/guest/crt.S. C is compiled with -O2 (freestanding: no library calls).
 */
export function benchPrograms(): GuestProgram[] {
  const crt = join(benchSrcDir(), 'crt.S');
  return listFiles(benchSrcDir(), /\.(S|c)$/)
    .filter((src) => dirname(src) === benchSrcDir() && src !== crt)
    .map((src) => {
      const name = basename(src, extname(src));
      const isC = extname(src) === '.c';
      return {
        id: `bench/${name}`,
        src,
        elf: join(benchBuildDir(), `${name}.elf`),
        extraArgs: isC
          ? ['-O2', '-ffreestanding', '-fno-builtin', '-fno-tree-loop-distribute-patterns', '-mcmodel=medany']
          : [],
        extraSources: [crt],
      };
    });
}

/** Content hash of everything a program's ELF depends on. */
export function sourceHash(p: GuestProgram): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([CC, compilerArgs(p.extraArgs)]));
  for (const f of [...p.extraSources, p.src]) {
    h.update(`\0src:${relative(projectRoot(), f)}\0`);
    h.update(readFileSync(f));
  }
  // the env headers, linker script and shared C start-up
  for (const f of listFiles(envDir(), /./)) {
    h.update(`\0${relative(envDir(), f)}\0`);
    h.update(readFileSync(f));
  }
  // sibling files a bench program may include
  if (p.id.startsWith('bench/')) {
    for (const f of listFiles(benchSrcDir(), /\.(h|inc)$/)) {
      h.update(`\0${relative(benchSrcDir(), f)}\0`);
      h.update(readFileSync(f));
    }
  }
  return h.digest('hex');
}

/** SHA-256 of a file's contents. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function stampPath(elf: string): string { return `${elf}.src-hash`; }

function upToDate(p: GuestProgram, hash: string): boolean {
  if (!existsSync(p.elf) || !existsSync(stampPath(p.elf))) return false;
  try {
    return readFileSync(stampPath(p.elf), 'utf8').trim() === hash && statSync(p.elf).size > 0;
  } catch {
    return false;
  }
}

function compile(p: GuestProgram): Promise<void> {
  mkdirSync(dirname(p.elf), { recursive: true });
  const tmp = `${p.elf}.tmp-${process.pid}`;
  // run from the project root with relative paths: the ELF (its FILE symbol) does not depend on
  // where the checkout is
  const rel = (f: string): string => relative(projectRoot(), f);
  const args = [...compilerArgs(p.extraArgs), ...p.extraSources.map(rel), rel(p.src), '-o', tmp];
  return new Promise((resolve, reject) => {
    const child = spawn(CC, args, { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new ToolchainMissingError('not found on PATH') : e);
    });
    child.on('close', (code) => {
      if (code === 0) {
        renameSync(tmp, p.elf);
        resolve();
      } else {
        rmSync(tmp, { force: true });
        reject(new GuestBuildError(p, `${CC} ${args.join(' ')}\n${out}`));
      }
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves to results in item order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface BuildOptions {
  /** rebuild even when up to date */
  force?: boolean;
  /** maximum parallel compilers (default 2) */
  jobs?: number;
}

/** Builds the given programs (only those out of date). Throws on the first failure. */
export async function buildPrograms(programs: GuestProgram[], opts: BuildOptions = {}): Promise<BuiltProgram[]> {
  checkToolchain();
  return pool(programs, opts.jobs ?? 2, async (p): Promise<BuiltProgram> => {
    const hash = sourceHash(p);
    if (!opts.force && upToDate(p, hash)) return { ...p, rebuilt: false };
    rmSync(stampPath(p.elf), { force: true });
    await compile(p);
    writeFileSync(stampPath(p.elf), `${hash}\n`);
    return { ...p, rebuilt: true };
  });
}

/** Builds every ISA test program. */
export function buildIsaTests(opts: BuildOptions = {}): Promise<BuiltProgram[]> {
  return buildPrograms(isaPrograms(), opts);
}

/** Builds the CPU benchmark guests. */
export function buildBenchGuests(opts: BuildOptions = {}): Promise<BuiltProgram[]> {
  return buildPrograms(benchPrograms(), opts);
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const t0 = Date.now();
  try {
    const built = [...(await buildIsaTests({ force })), ...(await buildBenchGuests({ force }))];
    const n = built.filter((b) => b.rebuilt).length;
    console.log(`tests/isa: ${built.length} programs, ${n} rebuilt, ${built.length - n} up to date (${Date.now() - t0} ms)`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
