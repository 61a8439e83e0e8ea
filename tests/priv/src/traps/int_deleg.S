/*
 * traps/int_deleg — interrupts delegated to S-mode with mideleg.
 * Spec 1.12 §4.1.3: interrupt i traps to S if (a) the hart is in S with sstatus.SIE = 1, or
 * in a less privileged mode (U), and (b) sip[i] and sie[i] are set; evaluated immediately
 * after SRET or a write to sip/sie/sstatus. SSIP is writable in sip. §4.1.1: trap entry
 * sets SPIE <- SIE, SIE <- 0, SPP <- previous privilege. §3.1.9: an interrupt not
 * delegated traps to M even from S with SIE = 1, and M-destined interrupts are taken
 * before S-destined ones.
 */
#include "priv.h"

  .text
  .globl main
main:
  li s0, S_INTS
  csrw mideleg, s0
  /* S-mode, SIE = 1: a sip.SSIP write from S traps to S right after the write */
  TEST 3
  GOTO_S
  li s1, MIP_SSIP
  csrs sie, s1
  csrsi sstatus, MSTATUS_SIE
  TRAP_INT INT(IRQ_SSI), PRV_S, PRV_S, csrs sip, s1
  /* handler saw SIE = 0, SPIE = 1, SPP = S; sret restored SIE = 1 */
  TEST 4
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SPIE | MSTATUS_SPP
  csrr a0, sstatus
  CHECK_SET a0, MSTATUS_SIE
  csrr a0, scause
  CHECK_EQI a0, INT(IRQ_SSI)
  /* SIE = 0: pending and enabled but not taken in S; setting SIE takes it */
  TEST 5
  csrci sstatus, MSTATUS_SIE
  csrs sie, s1
  NOTRAP nop
  nop
  TRAP_INT INT(IRQ_SSI), PRV_S, PRV_S, csrsi sstatus, MSTATUS_SIE
  /* clearing sip.SSIP from S removes it */
  TEST 6
  csrc sip, s1
  csrs sie, s1
  NOTRAP nop
  csrr a0, sip
  CHECK_CLR a0, MIP_SSIP
  /* U-mode: S interrupts are enabled regardless of SIE; taken right after the sret */
  TEST 7
  csrci sstatus, MSTATUS_SIE
  li a0, MSTATUS_SPIE
  csrc sstatus, a0
  csrs sip, s1
  ARM 1, INT(IRQ_SSI), PRV_U, PRV_S, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  SRET_TO PRV_U, 1f
1:
  CHECK_ALL_TAKEN
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE
  GOTO_M
  /* STIP and SEIP (set by M in mip) delegated: taken in S when sie enables them */
  TEST 8
  li a0, MIP_SSIP
  csrc mip, a0
  li a0, MIP_STIP
  csrs mip, a0
  GOTO_S
  csrsi sstatus, MSTATUS_SIE
  li a1, MIP_STIP
  TRAP_INT INT(IRQ_STI), PRV_S, PRV_S, csrs sie, a1
  GOTO_M
  li a0, MIP_STIP
  csrc mip, a0
  TEST 9
  li a0, MIP_SEIP
  csrs mip, a0
  GOTO_S
  csrsi sstatus, MSTATUS_SIE
  li a1, MIP_SEIP
  TRAP_INT INT(IRQ_SEI), PRV_S, PRV_S, csrs sie, a1
  GOTO_M
  li a0, MIP_SEIP
  csrc mip, a0
  /* not delegated: STI traps to M from S although S has SIE = 1 and M has MIE = 0 */
  TEST 10
  li a0, MIP_SSIP
  csrw mideleg, a0
  li a0, MIP_STIP
  csrs mip, a0
  li a0, MSTATUS_SIE
  csrs mstatus, a0
  GOTO_S
  li a1, MIP_STIP
  csrs sie, a1                 /* no effect: not delegated, sie.STIE is read-only 0 */
  NOTRAP nop
  GOTO_M
  TEST 11
  li a0, MIP_STIP
  csrs mie, a0
  li a0, MSTATUS_SIE | MSTATUS_SPIE
  csrs mstatus, a0
  ARM 1, INT(IRQ_STI), PRV_S, PRV_M, TVK_ANY, 0
  GOTO_S
  nop
  CHECK_ALL_TAKEN              /* taken right after the mret of GOTO_S */
  /* M-destined before S-destined: STI (to M) and SSI (delegated, to S) both pending */
  TEST 12
  GOTO_M
  li a0, MIP_STIP | MIP_SSIP
  csrs mip, a0
  csrs mie, a0
  li a0, MSTATUS_SIE
  csrs mstatus, a0
  TR_LD s1, TR_COUNT
  ARM 2, CAUSE_ANY, PRV_S, PRV_ANY, TVK_ANY, 0
  GOTO_S
  nop
  CHECK_ALL_TAKEN
  CHECK_LOG s1, 0, INT(IRQ_STI)
  CHECK_LOG s1, 1, INT(IRQ_SSI)
  TR_LD a0, TR_GBY
  CHECK_EQI a0, PRV_S
  GOTO_M
  li a0, MIP_STIP | MIP_SSIP
  csrc mip, a0
  csrw mideleg, zero
  PASS
