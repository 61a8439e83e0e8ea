/**
 * `hv run` on bad input: one clear line on stderr (`hv: …`, naming the file or flag), exit status 2,
 * and nothing runs (no guest output). Plus the two ways a bare-metal guest ends badly: `--timeout`
 * (status 124) and an HTIF failure report (status v >> 1, `FAIL: test N`).
 *
 * The small RISC-V ELFs are built here with the cross compiler that tests/isa uses.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CC, compilerArgs, projectRoot, HTIF_SECTION as HTIF } from '../isa/build.js';

const HV = join(projectRoot(), 'bin', 'hv.js');

interface Result { status: number | null; stdout: string; stderr: string; ms: number }

function hv(args: string[], timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [HV, ...args], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - t0 }));
  });
}

const show = (args: string[], r: Result): string =>
  `hv ${args.map((a) => JSON.stringify(a).slice(0, 80)).join(' ')}\n  status ${r.status} after ${r.ms} ms\n  stdout: ${JSON.stringify(r.stdout.slice(0, 400))}\n  stderr: ${JSON.stringify(r.stderr.slice(0, 400))}`;

/** Runs hv and checks the bad-input contract: status 2, one line `hv: …` matching `re`, empty stdout. */
async function rejects(args: string[], re: RegExp): Promise<void> {
  // --timeout guards against a VM that starts by mistake (first, so a later flag can still lack its value).
  const full = ['run', '--timeout', '20', ...args];
  const r = await hv(full);
  assert.equal(r.status, 2, show(full, r));
  assert.equal(r.stdout, '', `nothing runs, so nothing is printed on stdout\n${show(full, r)}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line of error\n${show(full, r)}`);
  assert.match(lines[0]!, /^hv: /, show(full, r));
  assert.match(lines[0]!, re, show(full, r));
}

const toolchain = spawnSync(CC, ['--version']).status === 0;
let dir = '';
const f = (name: string): string => join(dir, name);

/** Builds a bare-metal ELF from assembly; `link` replaces the default tests/isa linker script. */
function buildElf(name: string, asm: string, extra: string[] = [], linkScript?: string): string {
  const src = f(`${name}.S`);
  writeFileSync(src, asm);
  let args = compilerArgs(extra);
  if (linkScript !== undefined) {
    writeFileSync(f(`${name}.ld`), linkScript);
    const t = args.indexOf('-T');
    args = [...args.slice(0, t), '-T', f(`${name}.ld`), ...args.slice(t + 2)];
  }
  const out = f(`${name}.elf`);
  const r = spawnSync(CC, [...args, src, '-o', out], { cwd: projectRoot(), encoding: 'utf8' });
  assert.equal(r.status, 0, `building ${name}.elf failed:\n${r.stderr}`);
  return out;
}

/** Stores `value` to tohost, then spins. */
const reportAsm = (value: number): string => `
  .section .text.init
  .globl _start
_start:
  li t0, ${value}
  la t1, tohost
  sd t0, 0(t1)
1: j 1b
${HTIF}`;
const SPIN = `
  .section .text.init
  .globl _start
_start:
1: j 1b
${HTIF}`;
const at = (addr: string): string => `ENTRY(_start) SECTIONS { . = ${addr}; .text : { *(.text.init) *(.text .text.*) } .tohost : { *(.tohost) } }`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-run-errors-'));
  writeFileSync(f('random.bin'), randomBytes(64 * 1024));
  writeFileSync(f('empty.bin'), new Uint8Array(0));
  writeFileSync(f('secret.bin'), randomBytes(16));
  chmodSync(f('secret.bin'), 0o000);
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('hv run: bad files', { concurrency: 4 }, () => {
  test('missing kernel', () => rejects(['--kernel', '/nonexistent/vmlinux'], /cannot read kernel \/nonexistent\/vmlinux: no such file/));
  test('kernel is a directory', () => rejects(['--kernel', tmpdir()], /cannot read kernel .*: is a directory/));
  test('unreadable kernel (permission denied)', { skip: process.getuid?.() === 0 ? 'root can read any file' : false }, () =>
    rejects(['--kernel', f('secret.bin')], /cannot read kernel .*secret\.bin: permission denied/));
  test('missing initrd', () => rejects(['--kernel', f('random.bin'), '--initrd', '/nonexistent/initrd'], /cannot read initrd \/nonexistent\/initrd: no such file/));
  test('initrd is a directory', () => rejects(['--kernel', f('random.bin'), '--initrd', tmpdir()], /cannot read initrd .*: is a directory/));
  test('missing bios', () => rejects(['--kernel', f('random.bin'), '--bios', '/nonexistent/fw.bin'], /cannot read firmware \/nonexistent\/fw\.bin: no such file/));
  test('bios is a directory', () => rejects(['--kernel', f('random.bin'), '--bios', tmpdir()], /cannot read firmware .*: is a directory/));
  test('kernel of random bytes', () => rejects(['--kernel', f('random.bin')], /random\.bin: not a RISC-V Linux Image or ELF file/));
  test('empty kernel', () => rejects(['--kernel', f('empty.bin')], /empty\.bin: /));
  test('x86-64 ELF as kernel', () => rejects(['--kernel', '/bin/true'], /\/bin\/true: machine 62 \(x86-64\) is not RISC-V/));
  test('x86-64 ELF with --bios none', () => rejects(['--bios', 'none', '--kernel', '/bin/true'], /\/bin\/true: machine 62 \(x86-64\) is not RISC-V/));
  test('--bios none with a non-ELF', () => rejects(['--bios', 'none', '--kernel', f('random.bin')], /random\.bin: not an ELF file/));
  test('--bios none without --kernel', () => rejects(['--bios', 'none'], /--bios none needs --kernel/));
  test('--bios none with --initrd', () => rejects(['--bios', 'none', '--kernel', f('random.bin'), '--initrd', f('random.bin')], /--initrd/));
});

describe('hv run: unusable RISC-V ELFs', { concurrency: 4, skip: toolchain ? false : `${CC} is not installed` }, () => {
  let rv32 = '', low = '', high = '';
  before(() => {
    rv32 = buildElf('rv32', SPIN, ['-march=rv32gc', '-mabi=ilp32d', '-Wl,-m,elf32lriscv']);
    low = buildElf('low', SPIN, [], at('0x1000'));
    high = buildElf('high', SPIN, [], at('0x82000000'));
  });
  test('ELF class 32 (--bios none)', () => rejects(['--bios', 'none', '--kernel', rv32], /rv32\.elf: ELF class 32 is not supported/));
  test('ELF class 32 (as a Linux kernel)', () => rejects(['--kernel', rv32], /rv32\.elf: ELF class 32 is not supported/));
  test('segment below RAM', () => rejects(['--bios', 'none', '--kernel', low], /low\.elf: segment 0x1000\.\.\S+ lies outside RAM/));
  test('segment beyond the end of RAM', () => rejects(['--bios', 'none', '--kernel', high, '--memory', '32M'], /high\.elf: segment 0x82000000\.\.\S+ lies outside RAM \(0x80000000\.\.0x82000000\)/));
});

describe('hv run: bad flags', { concurrency: 4 }, () => {
  for (const v of ['0', '9', 'abc', '-1', '1.5', '']) {
    test(`--cpus ${JSON.stringify(v)}`, () => rejects(['--cpus', v], /invalid --cpus/));
  }
  for (const [v, why] of [['0', /greater than zero/], ['12x', /unknown unit "x"/], ['100G', /at most/], ['-5M', /positive/], ['8M', /at least/], ['1000K', /multiple of 4 KiB|at least/]] as const) {
    test(`--memory ${v}`, () => rejects(['--memory', v], new RegExp(`invalid memory size "${v}": .*${why.source}`)));
  }
  test('--append with a newline', () => rejects(['--append', 'console=ttyS0\ninit=/bin/sh'], /invalid --append: .*control characters/));
  test('--append with an escape character', () => rejects(['--append', 'console=ttyS0 \x1b[2J'], /invalid --append: .*control characters/));
  test('--append of 1024 characters', () => rejects(['--append', 'x'.repeat(1024)], /invalid --append: 1024 characters; .* at most 1023/));
  test('--timeout abc', () => rejects(['--timeout', 'abc'], /invalid --timeout "abc"/));
  test('--timeout 0', () => rejects(['--timeout', '0'], /invalid --timeout "0"/));
  test('unknown flag', () => rejects(['--bogus'], /unknown option '--bogus'/));
  test('unknown flag value form', () => rejects(['--kernal=/boot/vmlinux'], /unknown option '--kernal=\/boot\/vmlinux'/));
  test('flag without its value', () => rejects(['--kernel'], /option '--kernel <file>' argument missing/));
  test('stray argument', () => rejects(['vmlinux'], /too many arguments/));
  test('unknown command', async () => {
    const r = await hv(['rnu', '--kernel', 'x']);
    assert.equal(r.status, 2, show(['rnu'], r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^hv: unknown command 'rnu'.*\n$/);
  });
});

describe('hv run: bare-metal guests that do not pass', { concurrency: 2, skip: toolchain ? false : `${CC} is not installed` }, () => {
  let spin = '', fail7 = '', pass = '';
  before(() => {
    spin = buildElf('spin', SPIN);
    fail7 = buildElf('fail7', reportAsm((7 << 1) | 1));
    pass = buildElf('pass', reportAsm(1));
  });

  test('--timeout ends a spinning guest with status 124 and a message', async () => {
    const args = ['run', '--bios', 'none', '--kernel', spin, '--timeout', '1'];
    const r = await hv(args);
    assert.equal(r.status, 124, show(args, r));
    assert.match(r.stderr, /hv: timeout: the guest was still running after 1 s/, show(args, r));
    assert.ok(r.ms < 15_000, `ended promptly (${r.ms} ms)`);
  });

  test('an HTIF failure exits with v >> 1 and prints FAIL: test N', async () => {
    const args = ['run', '--bios', 'none', '--kernel', fail7, '--timeout', '20'];
    const r = await hv(args);
    assert.equal(r.status, 7, show(args, r));
    assert.match(r.stderr, /^FAIL: test 7$/m, show(args, r));
  });

  test('an HTIF pass exits 0 (control)', async () => {
    const args = ['run', '--bios', 'none', '--kernel', pass, '--timeout', '20'];
    const r = await hv(args);
    assert.equal(r.status, 0, show(args, r));
    assert.equal(r.stderr, '', show(args, r));
  });
});

describe('hv run --no-jit', { skip: toolchain ? false : `${CC} is not installed` }, () => {
  // A loop hot enough to be translated: 3 added 100 000 times, checked, reported through HTIF (1 = pass).
  const loopAsm = `
  .section .text.init
  .globl _start
_start:
  li t0, 100000
  li t1, 0
1: addi t1, t1, 3
  addi t0, t0, -1
  bnez t0, 1b
  li t2, 300000
  li t0, 3
  bne t1, t2, 2f
  li t0, 1
2: la t1, tohost
  sd t0, 0(t1)
3: j 3b
${HTIF}`;
  let elf = '';
  before(() => { elf = buildElf('loop', loopAsm); });
  for (const flags of [[], ['--no-jit']]) {
    test(`a hot loop computes the same result ${flags.length ? 'interpreted' : 'translated'}`, async () => {
      const args = ['run', '--timeout', '30', '--bios', 'none', '--kernel', elf, ...flags];
      const r = await hv(args);
      assert.equal(r.status, 0, show(args, r));
    });
  }
});
