/*
 * traps/interrupts — interrupts taken in M-mode (not delegated).
 * Spec 1.12 §3.1.9: interrupt i traps to M if (a) the hart is in M with mstatus.MIE = 1 or
 * in a less privileged mode, (b) mip[i] and mie[i] are set, (c) mideleg[i] is clear. The
 * conditions are evaluated immediately after an explicit write to mip, mie, mstatus or
 * mideleg and after xRET. SSIP, STIP and SEIP are writable in mip from M-mode. mcause = interrupt bit | code; mepc = the instruction that
 * was about to execute. §3.1.6.1: trap entry saves MIE in MPIE and clears MIE.
 * (Priority among simultaneous interrupts is checked in traps/int_priority.S.)
 * Only the software-writable S-level pending bits are used (no CLINT/PLIC needed).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* SSI: enabled in mie, MIE = 1, then mip.SSIP written -> taken right after the write */
  TEST 3
  li s0, MIP_SSIP
  csrs mie, s0
  csrsi mstatus, MSTATUS_MIE
  TRAP_INT INT(IRQ_SSI), PRV_M, PRV_M, csrs mip, s0
  /* handler entry had MIE = 0, MPIE = 1 */
  TEST 4
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP_M
  /* mret restored MIE = 1; mcause/mtval as seen by software */
  TEST 5
  csrr a0, mstatus
  CHECK_SET a0, MSTATUS_MIE
  csrr a0, mcause
  CHECK_EQI a0, INT(IRQ_SSI)
  csrc mip, s0
  /* STI and SEI the same way */
  TEST 6
  li s0, MIP_STIP
  csrs mie, s0
  TRAP_INT INT(IRQ_STI), PRV_M, PRV_M, csrs mip, s0
  csrc mip, s0
  TEST 7
  li s0, MIP_SEIP
  csrs mie, s0
  TRAP_INT INT(IRQ_SEI), PRV_M, PRV_M, csrs mip, s0
  csrc mip, s0
  /* MIE = 0: pending and enabled, but not taken in M-mode */
  TEST 8
  csrci mstatus, MSTATUS_MIE
  li s0, MIP_SSIP
  csrs mip, s0
  csrs mie, s0
  NOTRAP nop
  nop
  /* setting MIE takes it immediately */
  TEST 9
  TRAP_INT INT(IRQ_SSI), PRV_M, PRV_M, csrsi mstatus, MSTATUS_MIE
  /* mie clear: pending, MIE = 1, not taken; enabling mie takes it */
  TEST 10
  csrr a0, mie
  CHECK_CLR a0, MIP_SSIP       /* the handler disabled it */
  NOTRAP nop
  nop
  TRAP_INT INT(IRQ_SSI), PRV_M, PRV_M, csrs mie, s0
  /* clearing mip before enabling: nothing */
  TEST 11
  csrc mip, s0
  csrs mie, s0
  NOTRAP nop
  csrc mie, s0
  /* (priority order: traps/int_priority.S) */
  /* in S-mode with mstatus.MIE = 0: M-level (non-delegated) interrupts are still taken,
   * right after the mret that enters S (§3.1.9 "or in a less privileged mode") */
  TEST 12
  csrci mstatus, MSTATUS_MIE
  li s0, MIP_STIP
  csrs mip, s0
  csrs mie, s0
  li a0, MSTATUS_MPIE
  csrc mstatus, a0        /* MIE stays 0 after the mret */
  ARM 1, INT(IRQ_STI), PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  MRET_TO PRV_S, 1f
1:
  CHECK_ALL_TAKEN
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_MPIE
  /* and in U-mode: enabling in mie from M, then entering U */
  TEST 13
  GOTO_M
  csrc mip, s0
  li s0, MIP_SEIP
  csrs mip, s0
  csrs mie, s0
  ARM 1, INT(IRQ_SEI), PRV_U, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 2f
  MRET_TO PRV_U, 2f
2:
  CHECK_ALL_TAKEN
  GOTO_M
  csrc mip, s0
  /* delegated interrupts are never taken in M-mode, even with MIE = SIE = 1 */
  TEST 14
  li s0, S_INTS
  csrw mideleg, s0
  csrs mip, s0
  csrs mie, s0
  li a0, MSTATUS_SIE
  csrs mstatus, a0
  csrsi mstatus, MSTATUS_MIE
  NOTRAP nop
  nop
  csrci mstatus, MSTATUS_MIE
  csrc mip, s0
  csrc mie, s0
  csrw mideleg, zero
  li a0, MSTATUS_SIE
  csrc mstatus, a0
  /* WFI in M with an interrupt pending in mip & mie but MIE = 0 resumes (no trap)
   * (§3.3.3: WFI is unaffected by the global enables) */
  TEST 15
  li s0, MIP_SSIP
  csrs mip, s0
  csrs mie, s0
  NOTRAP wfi
  csrc mip, s0
  csrc mie, s0
  PASS
