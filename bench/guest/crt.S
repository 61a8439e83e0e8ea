/*
 * Start-up shared by the CPU benchmark guests (linked in front of each bench/guest/<name>.S|.c by
 * tests/isa/build.ts, with the ISA tests' linker script tests/isa/env/link.ld).
 *
 *   _start: reads instret (first instruction), sets mtvec (any trap = failure 255), turns the
 *           FPU on, sets up a 64 KiB stack and calls `long bench_main(void)`.
 *   exit:   stores the number of instructions retired between the two instret reads in the
 *           64-bit `bench_instret`, then writes (bench_main's result << 1) | 1 to tohost:
 *           1 = done and the self-check passed, (n << 1) | 1 = failure n.
 *
 * Instruction count of a run = bench_instret + CRT_EXIT_TAIL (the instructions from the second
 * instret read up to and including the store to tohost: 15, see crt_exit).
 *
 * Measuring: when the 64-bit `bench_verbose` (in .data, normally 0) is non-zero, bench_instret
 * is also printed in decimal on the HTIF console (device 1, command 1) before the exit. Patch
 * it to 1 in a copy of the ELF and run `qemu-system-riscv64 -M spike -bios none -icount shift=0
 * -nographic -monitor none -kernel copy.elf` (with -icount, QEMU's instret counts exactly).
 * The code is the same either way, so the count is that of the unpatched program.
 */
#define MSTATUS_FS 0x6000
#define HTIF_PUTC ((1 << 56) | (1 << 48))

  .file "crt.S"     /* a fixed name (not the temp object's): reproducible ELFs */
  .option nopic
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  csrr s11, instret
  la t0, crt_trap
  csrw mtvec, t0
  li t0, MSTATUS_FS
  csrs mstatus, t0
  csrwi fcsr, 0
  la sp, crt_stack_top
  call bench_main
  mv s10, a0

crt_exit:
  /* CRT_EXIT_TAIL = 15 instructions when not verbose:
   * csrr, sub, la (2), sd, la (2), ld, beqz, fence, slli, ori, la (2), sd */
  csrr t0, instret
  sub t0, t0, s11
  la t1, bench_instret
  sd t0, 0(t1)
  la t1, bench_verbose
  ld t1, 0(t1)
  beqz t1, 6f
  mv a0, t0
  call crt_print_u64
6:fence
  slli t0, s10, 1
  ori t0, t0, 1
  la t1, tohost
  sd t0, 0(t1)
1:j 1b

  .balign 4
crt_trap:
  li s10, 255
  j crt_exit

/* Prints a0 in decimal and a newline on the HTIF console (device 1, command 1). */
crt_print_u64:
  addi sp, sp, -48
  sd ra, 40(sp)
  mv t4, sp
  addi t4, t4, 32
  sb zero, 0(t4)
  li t5, 10
  addi t4, t4, -1
  li t0, '\n'
  sb t0, 0(t4)
2:addi t4, t4, -1
  remu t0, a0, t5
  addi t0, t0, '0'
  sb t0, 0(t4)
  divu a0, a0, t5
  bnez a0, 2b
3:lbu a0, 0(t4)
  beqz a0, 4f
  li t0, HTIF_PUTC
  or t0, t0, a0
  la t1, tohost
  sd t0, 0(t1)
  la t1, fromhost
5:ld t0, 0(t1)
  beqz t0, 5b
  sd zero, 0(t1)
  addi t4, t4, 1
  j 3b
4:ld ra, 40(sp)
  addi sp, sp, 48
  ret

  .section .tohost, "aw", @progbits
  .balign 64
  .globl tohost
  .type tohost, @object
  .size tohost, 8
tohost: .dword 0
  .balign 64
  .globl fromhost
  .type fromhost, @object
  .size fromhost, 8
fromhost: .dword 0
  .balign 64

  .data
  .balign 8
  .globl bench_instret
  .type bench_instret, @object
  .size bench_instret, 8
bench_instret: .dword 0
  .globl bench_verbose
  .type bench_verbose, @object
  .size bench_verbose, 8
bench_verbose: .dword 0

  .bss
  .balign 16
crt_stack: .skip 65536
crt_stack_top:
