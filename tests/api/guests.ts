/**
 * Tiny bare-metal guests for the daemon tests (built with the tests/isa cross toolchain, run with bios "none"):
 * - heartbeat: prints "hb\n" on the UART every 100 ms, sleeping in WFI on the CLINT timer between beats (the
 *   timer interrupt handler just disarms mtimecmp);
 * - spin: a busy loop (for CPU-limit tests);
 * - idle: prints "idle\n" once, then sleeps in WFI forever (density benchmark);
 * - panic: prints a Linux-style "Kernel panic - not syncing" line, then idles;
 * - fail: beats three times, then reports failure through HTIF (tohost = 3: test 1 failed).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CC, compilerArgs, projectRoot, HTIF_SECTION as HTIF } from '../isa/build.js';


const beat = (msg: string, beats: string, after: string): string => `
  .section .text.init
  .globl _start
_start:
  li s0, 0x10000000
  li s1, 0x0200BFF8
  li s2, 0x02004000
  la t0, trap
  csrw mtvec, t0
  li t0, 0x80
  csrw mie, t0
  csrsi mstatus, 8
  li s4, ${beats}
loop:
  la a0, msg
1: lbu t1, 0(a0)
  beqz t1, 2f
6: lbu t6, 5(s0)
  andi t6, t6, 0x20
  beqz t6, 6b
  sb t1, 0(s0)
  addi a0, a0, 1
  j 1b
2:
  addi s4, s4, -1
  beqz s4, done
  ld t2, 0(s1)
  li t3, 1000000
  add t2, t2, t3
  sd t2, 0(s2)
3: wfi
  ld t4, 0(s1)
  bltu t4, t2, 3b
  j loop
done:
${after}
  .align 2
trap:
  li t5, -1
  sd t5, 0(s2)
  mret
msg: .asciz "${msg}"
  .align 3
${HTIF}`;

const IDLE = `
  li t2, -1
  sd t2, 0(s2)
4: wfi
  j 4b`;

export const GUESTS = {
  heartbeat: beat('hb\\n', '-1', IDLE),
  spin: `
  .section .text.init
  .globl _start
_start:
1: j 1b
${HTIF}`,
  panic: beat('Kernel panic - not syncing: test panic\\n', '1', IDLE),
  idle: beat('idle\\n', '1', IDLE),
  fail: beat('hb\\n', '3', `
  li t0, 3
  la t1, tohost
  sd t0, 0(t1)
5: j 5b`),
};

export const toolchain = spawnSync(CC, ['--version']).status === 0;

/** Builds every guest into `dir` and returns their paths. */
export function buildGuests(dir: string): Record<keyof typeof GUESTS, string> {
  const res = {} as Record<keyof typeof GUESTS, string>;
  for (const [name, asm] of Object.entries(GUESTS) as [keyof typeof GUESTS, string][]) {
    const src = join(dir, `${name}.S`);
    writeFileSync(src, asm);
    const elf = join(dir, `${name}.elf`);
    const r = spawnSync(CC, [...compilerArgs(), src, '-o', elf], { cwd: projectRoot(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
    res[name] = elf;
  }
  return res;
}
