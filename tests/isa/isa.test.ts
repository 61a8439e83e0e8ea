/**
 * The unprivileged-ISA conformance suite (RV64I, M, A, F, D, C, Zicsr, Zicntr, Zifencei).
 *
 * Builds every tests/isa/src/<area>/<name>.S into build/isa/<area>/<name>.elf, then for each ELF:
 *
 *  (a) validates the test program itself on QEMU's spike machine (HTIF via the ELF's `tohost`
 *      symbol; exit status 0 = pass, otherwise the failing check number). This only runs when
 *      HV_ISA_QEMU=1 or when the ELF changed since its last successful validation (the ELF's
 *      SHA-256 is kept in build/isa/<area>/<name>.qemu-ok). A source may declare a known QEMU
 *      divergence from the spec with `QEMU-SPIKE-EXPECT-FAIL: <n>`: QEMU must then fail at
 *      exactly check n (the checks before it are still validated); hv must pass all of them.
 *
 *  (b) runs it on hv: `node bin/hv.js run --bios none --kernel X.elf --timeout 10` must exit 0.
 *      Skipped until hv's CLI is built (dist/src/cli/main.js).
 *
 * The CPU benchmark guests (bench/guest/, built into build/bench/guest/) are built and
 * validated on QEMU the same way; running them on hv is the benchmark runner's job.
 *
 * At most two emulator processes run at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { type BuiltProgram, buildBenchGuests, buildIsaTests, fileHash, projectRoot } from './build.js';

const QEMU = 'qemu-system-riscv64';
/**
 * -cpu rv64,pmu-num=29: QEMU 7.2 implements only 16 programmable counters by default and
 * raises illegal-instruction for hpmcounter19..31, which the ISA defines (reading zero here).
 */
const QEMU_ARGS = ['-M', 'spike', '-cpu', 'rv64,pmu-num=29', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'none'];
const QEMU_TIMEOUT_MS = 30_000;
const HV_TIMEOUT_S = 10;
const HV_KILL_MS = 60_000;
const MAX_PROCS = 2;

// ---- a process pool shared by every test in this file -------------------------------------

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PROCS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface RunResult {
  /** exit status, or null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** set when the program could not be started (e.g. ENOENT) */
  spawnError?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return withSlot(
    () =>
      new Promise<RunResult>((resolve) => {
        const child = spawn(cmd, args, { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        let spawnError: NodeJS.ErrnoException | undefined;
        const cap = (s: string, d: Buffer): string => (s.length > 64_000 ? s : s + d.toString());
        child.stdout.on('data', (d: Buffer) => { stdout = cap(stdout, d); });
        child.stderr.on('data', (d: Buffer) => { stderr = cap(stderr, d); });
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.on('error', (e: NodeJS.ErrnoException) => { spawnError = e; });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const r: RunResult = { code, signal, timedOut, stdout, stderr };
          if (spawnError) r.spawnError = spawnError;
          resolve(r);
        });
      }),
  );
}

// ---- test-source helpers ------------------------------------------------------------------

/** Check number QEMU is expected to fail at (a documented QEMU-vs-spec divergence), or 0. */
function qemuExpectedFailure(src: string): number {
  const m = /QEMU-SPIKE-EXPECT-FAIL:\s*(\d+)/.exec(readFileSync(src, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Where check number n is in the source: "file:line: text" lines. */
function describeCheck(src: string, n: number): string {
  const rel = relative(projectRoot(), src);
  if (n === 255) return `${rel}: a failure before the first numbered check (start-up, or an unexpected trap)`;
  const lines = readFileSync(src, 'utf8').split('\n');
  const re = new RegExp(`\\b(?:TEST_CASE\\(\\s*${n}\\s*\\)|(?:TEST_[A-Z0-9_]+|FP_CHECK_[A-Z_]+|HPM_ZERO)\\(\\s*${n}\\s*,)`);
  const hits: string[] = [];
  lines.forEach((l, i) => {
    if (re.test(l)) hits.push(`${rel}:${i + 1}: ${l.trim()}`);
  });
  return hits.length > 0 ? hits.slice(0, 3).join('\n') : `${rel}: check ${n}`;
}

function tail(s: string, max = 4000): string {
  const t = s.trimEnd();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/**
 * The failing check number if the emulator's output reports one: "FAIL: test N" (hv), or a
 * raw tohost value "tohost=0x4b" = (N << 1) | 1.
 */
function reportedCheck(out: string): number | undefined {
  const t = /FAIL\W{0,4}test\s+(\d+)/i.exec(out);
  if (t?.[1] !== undefined) return Number(t[1]);
  const m = /tohost\D{0,16}?(0x[0-9a-f]+|\d+)/i.exec(out);
  if (m?.[1] === undefined) return undefined;
  try {
    const v = BigInt(m[1]);
    return (v & 1n) === 1n && v > 1n ? Number(v >> 1n) : undefined;
  } catch {
    return undefined;
  }
}

function failureText(who: string, p: BuiltProgram, r: RunResult, expect = 0): string {
  const elf = relative(projectRoot(), p.elf);
  if (r.spawnError) return `${who}: cannot run for ${elf}: ${r.spawnError.message}`;
  let what: string;
  if (r.timedOut) what = `timed out (killed) — the program never wrote tohost`;
  else if (r.code === null) what = `killed by ${r.signal ?? 'a signal'}`;
  else {
    // QEMU spike exits with the failing check number; hv also prints "FAIL: test N".
    const reported = reportedCheck(`${r.stderr}\n${r.stdout}`);
    const n = reported ?? r.code;
    const sure = reported !== undefined || who === 'QEMU';
    what = `exited with status ${r.code}`;
    if (n > 0) {
      what += sure ? ` — failing check ${n}` : ` — no check reported; if the status is the check number: check ${n}`;
      if (expect) what += ` (QEMU is expected to fail at check ${expect} only)`;
      what += `:\n${describeCheck(p.src, n)}`;
    }
  }
  const parts = [`${who}: ${elf} ${what}`];
  if (r.stderr.trim()) parts.push(`--- ${who} stderr ---\n${tail(r.stderr)}`);
  if (r.stdout.trim()) parts.push(`--- ${who} stdout ---\n${tail(r.stdout, 1500)}`);
  return parts.join('\n');
}

// ---- QEMU validation ----------------------------------------------------------------------

function qemuStamp(p: BuiltProgram): string { return p.elf.replace(/\.elf$/, '.qemu-ok'); }

function qemuUpToDate(p: BuiltProgram, elfHash: string): boolean {
  const s = qemuStamp(p);
  return existsSync(s) && readFileSync(s, 'utf8').trim() === elfHash;
}

async function haveQemu(): Promise<boolean> {
  const r = await run(QEMU, ['--version'], 10_000);
  return !r.spawnError && r.code === 0;
}

// ---- hv -----------------------------------------------------------------------------------

const HV_BIN = join(projectRoot(), 'bin', 'hv.js');
const HV_MAIN = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');

// ---- the suite ----------------------------------------------------------------------------

let programs: BuiltProgram[] = [];
let benchGuests: BuiltProgram[] = [];
let buildError: unknown;
try {
  programs = await buildIsaTests();
  benchGuests = await buildBenchGuests();
} catch (e) {
  buildError = e;
}

const forceQemu = process.env['HV_ISA_QEMU'] === '1';
const qemuAvailable = buildError === undefined ? await haveQemu() : false;
const hvSkip = existsSync(HV_MAIN) ? false : `hv's CLI is not built yet (${relative(projectRoot(), HV_MAIN)} is missing)`;

describe('isa', { concurrency: 8 }, () => {
  if (buildError !== undefined) {
    it('builds the test programs', () => {
      throw buildError;
    });
    return;
  }
  it('has test programs', () => {
    if (programs.length === 0) throw new Error('no programs under tests/isa/src');
  });

  for (const p of [...programs, ...benchGuests]) {
    describe(p.id, { concurrency: 2 }, () => {
      const elfHash = fileHash(p.elf);
      const qemuNeeded = forceQemu || !qemuUpToDate(p, elfHash);
      const qemuSkip: string | false = !qemuNeeded
        ? 'already validated on QEMU (set HV_ISA_QEMU=1 to re-run)'
        : !qemuAvailable
          ? forceQemu
            ? false
            : `${QEMU} is not installed (Debian package qemu-system-misc)`
          : false;

      it('passes on QEMU spike (validates the test)', { skip: qemuSkip }, async () => {
        if (!qemuAvailable) throw new Error(`HV_ISA_QEMU=1 but ${QEMU} cannot be run (install qemu-system-misc)`);
        const expect = qemuExpectedFailure(p.src);
        const r = await run(QEMU, [...QEMU_ARGS, '-kernel', p.elf], QEMU_TIMEOUT_MS);
        // with a documented divergence QEMU must stop exactly there (or pass, once fixed)
        const ok = r.code === 0 || (expect !== 0 && r.code === expect);
        if (r.spawnError || r.timedOut || !ok) throw new Error(failureText('QEMU', p, r, expect));
        writeFileSync(qemuStamp(p), `${elfHash}\n`);
      });

      if (p.id.startsWith('bench/')) return;
      it('passes on hv', { skip: hvSkip }, async () => {
        const r = await run(
          process.execPath,
          [HV_BIN, 'run', '--bios', 'none', '--kernel', p.elf, '--timeout', String(HV_TIMEOUT_S)],
          HV_KILL_MS,
        );
        if (r.spawnError || r.timedOut || r.code !== 0) throw new Error(failureText('hv', p, r));
      });
    });
  }
});
