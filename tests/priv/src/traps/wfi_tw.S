/*
 * traps/wfi_tw — WFI and mstatus.TW.
 * Spec 1.12 §3.3.3: WFI resumes when a locally enabled interrupt (mip & mie) is pending,
 * regardless of the global enables and of mideleg; it may also be a NOP. §3.1.6.5: with
 * TW = 1, WFI executed in a mode less privileged than M that does not complete within an
 * implementation-specific bounded time raises an illegal-instruction exception (this suite
 * assumes the limit is zero, i.e. an immediate trap, as hv and QEMU do). TW has no effect on
 * M-mode. mtval = the instruction bits (0x10500073).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* M-mode, MIE = 0, SSI pending and enabled in mie: WFI returns, no trap */
  TEST 3
  li s0, MIP_SSIP
  csrs mip, s0
  csrs mie, s0
  NOTRAP wfi
  /* TW = 1 does not affect M-mode */
  TEST 4
  li a0, MSTATUS_TW
  csrs mstatus, a0
  NOTRAP wfi
  li a0, MSTATUS_TW
  csrc mstatus, a0
  /* S-mode, TW = 0, delegated SSI pending and enabled in sie but SIE = 0: WFI returns */
  TEST 5
  csrw mideleg, s0
  GOTO_S
  NOTRAP wfi
  GOTO_M
  csrc mip, s0
  csrc mie, s0
  csrw mideleg, zero
  /* S-mode, TW = 1, nothing pending: illegal instruction */
  TEST 6
  li a0, MSTATUS_TW
  csrs mstatus, a0
  GOTO_S
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_M, TVK_EXACT, 0x10500073, wfi
  /* U-mode, TW = 1: illegal instruction */
  TEST 7
  SGOTO_PRV PRV_U
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_M, TVK_EXACT, 0x10500073, wfi
  /* delegated to S: the S handler gets it, stval = the instruction */
  TEST 8
  GOTO_M
  li a0, 1 << CAUSE_ILLEGAL_INSN
  csrw medeleg, a0
  GOTO_S
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_S, TVK_EXACT, 0x10500073, wfi
  GOTO_M
  csrw medeleg, zero
  li a0, MSTATUS_TW
  csrc mstatus, a0
  PASS
