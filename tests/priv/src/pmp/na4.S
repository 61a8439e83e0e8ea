/*
 * pmp/na4 — NA4 (naturally aligned four-byte) regions and granularity.
 * Spec 1.12 §3.7.1: with granularity G = 0 (4-byte), A = NA4 (2) matches the 4 bytes at
 * pmpaddr << 2. With G = 0 all 54 bits of an OFF entry's pmpaddr read back as written
 * (with G > 0 low bits would read as zero) - checked first, since NA4 is only selectable
 * when G = 0 (hv, like QEMU, has G = 0).
 * Layout: 0 = NA4 at TPAGE(0)+8 RW; 1 = NAPOT TPAGE(0) R; 7 = image RWX.
 */
#include "priv.h"

  .text
  .globl main
main:
  PMP_CLEAR_ALL
  /* pmpaddr is 54 bits wide (physical address bits 55:2) and, with G = 0, fully writable */
  TEST 3
  li a0, -1
  csrw pmpaddr0, a0
  csrr a1, pmpaddr0
  li a2, 0x003fffffffffffff
  and a1, a1, a2
  CHECK_EQ a1, a2
  lla s0, TPAGE(0)
  addi a0, s0, 8
  srli a0, a0, 2
  csrw pmpaddr0, a0
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr1, a0
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  li a0, ((PMP_A_NA4 | PMP_R | PMP_W) << 0) | ((PMP_A_NAPOT | PMP_R) << 8) | \
         ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  TEST 4
  csrr a1, pmpcfg0
  CHECK_EQ a0, a1
  GOTO_S
  /* the four bytes at +8 are writable */
  TEST 5
  li a0, 0x11223344
  sw a0, 8(s0)
  lw a1, 8(s0)
  CHECK_EQ a0, a1
  sb a0, 11(s0)
  sh a0, 8(s0)
  /* +4 and +12 are only readable */
  TEST 6
  lw a1, 4(s0)
  lw a1, 12(s0)
  addi a1, s0, 12
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sw a0, 0(a1)
  TEST 7
  addi a1, s0, 4
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sw a0, 0(a1)
  /* an 8-byte store covering the NA4 region and more matches entry 0 only partially: fails */
  TEST 8
  addi a1, s0, 8
  ARM 1, CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  TR_SET_LABEL TR_RESUME, 2f
  .option push
  .option norvc
1:
  sd a0, 0(a1)
  .option pop
  j fail
2:
  CHECK_ALL_TAKEN
  GOTO_M
  PASS
