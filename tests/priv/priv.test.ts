// Privileged-architecture conformance suite (RISC-V privileged ISA 1.12).
//
// Every program in tests/priv/src is built (tests/priv/build.ts) and then, per ELF:
//  (a) validated against QEMU's spike machine - only when HV_ISA_QEMU=1 or when the ELF
//      changed since the last successful validation (a `.qemu-ok` stamp holds the ELF's
//      hash), so ordinary runs stay fast. Programs marked `QEMU-XFAIL: n` check behaviour
//      where QEMU 7.2 deviates from the spec: QEMU must fail exactly check n there (or pass,
//      if a newer QEMU fixed it).
//  (b) run on hv: `node bin/hv.js run --bios none --kernel X.elf --timeout 10` must exit 0.
//      Skipped until hv's CLI (dist/src/cli/main.js) exists.
// Programs report through HTIF tohost: 1 = pass, (n << 1) | 1 = check n failed; both QEMU
// and hv turn that into the process exit status (0, or n).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { buildPrivTests, privPaths, type BuildResult } from './build.js';

const paths = privPaths();
const QEMU = 'qemu-system-riscv64';
const forceQemu = process.env.HV_ISA_QEMU === '1';
const hvMain = join(paths.root, 'dist', 'src', 'cli', 'main.js');
const hvBin = join(paths.root, 'bin', 'hv.js');
const HV_TIMEOUT_S = 10;

interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runProcess(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: paths.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, timedOut, stdout, stderr: stderr + String(e) });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, timedOut, stdout, stderr });
    });
  });
}

function tail(s: string, lines = 30): string {
  const l = s.trimEnd().split('\n');
  return (l.length > lines ? ['…', ...l.slice(-lines)] : l).join('\n');
}

function describeExit(r: RunResult, timeoutS: number): string {
  if (r.timedOut) return `did not finish within ${timeoutS} s (no tohost write)`;
  if (r.signal) return `was killed by ${r.signal}`;
  if (r.status === null) return 'could not be started';
  return `exited with status ${r.status}` + (r.status > 0 && r.status < 256 ? ` (check ${r.status} failed)` : '');
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const haveQemu = spawnSync(QEMU, ['--version'], { stdio: 'ignore' }).status === 0;

async function validateOnQemu(p: BuildResult, t: { skip: (msg?: string) => void; diagnostic: (msg: string) => void }): Promise<void> {
  const rel = relative(paths.root, p.elf);
  const stampFile = p.elf.replace(/\.elf$/, '.qemu-ok');
  const expectedCode = p.qemuXfail?.check ?? 0;
  const key = `${sha256(p.elf)} ${expectedCode}`;
  if (!forceQemu && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === key) {
    t.skip('validated against QEMU before (ELF unchanged; HV_ISA_QEMU=1 forces it)');
    return;
  }
  if (!haveQemu) {
    if (forceQemu) throw new Error(`${QEMU} is not installed (HV_ISA_QEMU=1): apt-get install qemu-system-misc`);
    t.skip(`${QEMU} not installed`);
    return;
  }
  rmSync(stampFile, { force: true });
  const args = ['-M', 'spike', '-bios', 'none', '-kernel', p.elf, '-nographic', '-monitor', 'none', '-serial', 'none'];
  const r = await runProcess(QEMU, args, 10_000);
  const ok = r.status === 0 || (p.qemuXfail !== undefined && r.status === p.qemuXfail.check);
  if (!ok) {
    const expect = p.qemuXfail ? `check ${p.qemuXfail.check} to fail (known QEMU deviation: ${p.qemuXfail.reason})` : 'exit status 0';
    throw new Error(`${rel}: QEMU (${QEMU} ${args.join(' ')}) ${describeExit(r, 10)}; expected ${expect}` + (r.stderr ? `\nQEMU stderr:\n${tail(r.stderr)}` : ''));
  }
  if (p.qemuXfail && r.status === 0) t.diagnostic(`${rel}: QEMU passed although check ${p.qemuXfail.check} is marked QEMU-XFAIL (deviation fixed in this QEMU?)`);
  if (p.qemuXfail && r.status !== 0) t.diagnostic(`${rel}: QEMU fails check ${p.qemuXfail.check} as expected: ${p.qemuXfail.reason}`);
  writeFileSync(stampFile, `${key}\n`);
}

async function runOnHv(p: BuildResult, t: { skip: (msg?: string) => void }): Promise<void> {
  if (!existsSync(hvMain)) {
    t.skip(`hv's CLI is not built yet (${relative(paths.root, hvMain)} missing)`);
    return;
  }
  const rel = relative(paths.root, p.elf);
  const args = [hvBin, 'run', '--bios', 'none', '--kernel', p.elf, '--timeout', String(HV_TIMEOUT_S)];
  const r = await runProcess(process.execPath, args, (HV_TIMEOUT_S + 10) * 1000);
  if (r.status !== 0) {
    throw new Error(
      `${rel}: hv ${describeExit(r, HV_TIMEOUT_S + 10)}` +
        `\n  command: node ${relative(paths.root, hvBin)} ${args.slice(1).map((a) => relative(paths.root, a) || a).join(' ')}` +
        `\n  source: ${relative(paths.root, p.src)}` +
        (r.stderr.trim() ? `\nhv stderr:\n${tail(r.stderr)}` : '\n(hv printed nothing on stderr)') +
        (r.stdout.trim() ? `\nhv stdout:\n${tail(r.stdout, 10)}` : ''),
    );
  }
}

let programs: BuildResult[] = [];
let buildError: Error | undefined;
try {
  programs = await buildPrivTests();
} catch (e) {
  buildError = e instanceof Error ? e : new Error(String(e));
}

describe('privileged ISA conformance (tests/priv)', { concurrency: 2 }, () => {
  if (buildError) {
    const err = buildError;
    test('build', () => {
      throw err;
    });
    return;
  }
  for (const p of programs) {
    test(`${p.id} [qemu]`, async (t) => validateOnQemu(p, t));
    test(`${p.id} [hv]`, async (t) => runOnHv(p, t));
  }
});
