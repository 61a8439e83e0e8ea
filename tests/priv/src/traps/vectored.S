/*
 * traps/vectored — vectored trap-vector mode.
 * Spec 1.12 §3.1.7 (mtvec) and §4.1.2 (stvec): with MODE = 1 (Vectored) synchronous
 * exceptions set pc to BASE, interrupts set pc to BASE + 4 * cause.
 * trap_m_vec / trap_s_vec (crt.S) record the slot used in TR_GVEC (-1 = direct entry).
 */
#include "priv.h"

  .text
  .globl main
main:
  lla a0, trap_m_vec
  ori a0, a0, 1
  csrw mtvec, a0
  /* M-mode interrupts: SSI -> slot 1, STI -> slot 5, SEI -> slot 9 */
  TEST 3
  li s0, MIP_SSIP
  csrs mie, s0
  csrsi mstatus, MSTATUS_MIE
  TRAP_INT INT(IRQ_SSI), PRV_M, PRV_M, csrs mip, s0
  CHECK_TR TR_GVEC, 1
  csrc mip, s0
  TEST 4
  li s0, MIP_STIP
  csrs mie, s0
  TRAP_INT INT(IRQ_STI), PRV_M, PRV_M, csrs mip, s0
  CHECK_TR TR_GVEC, 5
  csrc mip, s0
  TEST 5
  li s0, MIP_SEIP
  csrs mie, s0
  TRAP_INT INT(IRQ_SEI), PRV_M, PRV_M, csrs mip, s0
  CHECK_TR TR_GVEC, 9
  csrc mip, s0
  csrci mstatus, MSTATUS_MIE
  /* exceptions -> slot 0 (BASE) */
  TEST 6
  TRAP CAUSE_ECALL_M, PRV_M, PRV_M, TVK_EXACT, 0, ecall
  CHECK_TR TR_GVEC, 0
  TEST 7
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0xc0001073, unimp
  CHECK_TR TR_GVEC, 0
  /* an interrupt from S-mode into M (not delegated) */
  TEST 8
  li s0, MIP_STIP
  csrs mip, s0
  csrs mie, s0
  ARM 1, INT(IRQ_STI), PRV_S, PRV_M, TVK_ANY, 0
  GOTO_S
  nop
  CHECK_ALL_TAKEN
  CHECK_TR TR_GVEC, 5
  GOTO_M                /* the ecall enters at slot 0 and is forwarded */
  csrc mip, s0
  /* S-mode vectored: delegated SSI -> stvec slot 1, delegated exception -> slot 0 */
  TEST 9
  lla a0, trap_s_vec
  ori a0, a0, 1
  csrw stvec, a0
  li s0, S_INTS
  csrw mideleg, s0
  li a0, 1 << CAUSE_ILLEGAL_INSN
  csrw medeleg, a0
  GOTO_S
  li s1, MIP_SSIP
  csrs sie, s1
  csrsi sstatus, MSTATUS_SIE
  TRAP_INT INT(IRQ_SSI), PRV_S, PRV_S, csrs sip, s1
  CHECK_TR TR_GVEC, 1
  csrc sip, s1
  TEST 10
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_S, TVK_EXACT, 0xc0001073, unimp
  CHECK_TR TR_GVEC, 0
  /* delegated SEI from U -> slot 9 */
  TEST 11
  GOTO_M
  li a0, MIP_SEIP
  csrs mip, a0
  csrs mie, a0
  ARM 1, INT(IRQ_SEI), PRV_U, PRV_S, TVK_ANY, 0
  GOTO_U
  nop
  CHECK_ALL_TAKEN
  CHECK_TR TR_GVEC, 9
  GOTO_M
  li a0, MIP_SEIP
  csrc mip, a0
  csrw mideleg, zero
  csrw medeleg, zero
  lla a0, trap_s
  csrw stvec, a0
  lla a0, trap_m
  csrw mtvec, a0
  /* direct mode again: TR_GVEC = -1 */
  TEST 12
  TRAP CAUSE_ECALL_M, PRV_M, PRV_M, TVK_EXACT, 0, ecall
  CHECK_TR TR_GVEC, -1
  PASS
