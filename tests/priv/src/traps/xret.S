/*
 * traps/xret — MRET and SRET.
 * Spec 1.12 §3.1.6.1: xRET with y = xPP sets xIE <- xPIE, the privilege to y, xPIE <- 1,
 * xPP <- the least-privileged supported mode (U); "If y != M, xRET also sets MPRV = 0".
 * §3.3.2: SRET is legal in S and M (TSR = 0). §4.1.1 SPP/SPIE/SIE.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* mret to M with MPIE = 1, MIE = 0 */
  TEST 3
  li a0, MSTATUS_MPP | MSTATUS_MPIE
  csrs mstatus, a0
  csrci mstatus, MSTATUS_MIE
  lla a0, 1f
  csrw mepc, a0
  mret
  j fail
1:
  csrr a0, mstatus
  CHECK_MASKED a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MIE | MSTATUS_MPIE
  /* mret to M with MPIE = 0 clears MIE */
  TEST 4
  li a0, MSTATUS_MPP
  csrs mstatus, a0
  li a0, MSTATUS_MPIE
  csrc mstatus, a0
  lla a0, 1f
  csrw mepc, a0
  mret
  j fail
1:
  csrr a0, mstatus
  CHECK_MASKED a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE
  /* mret to M leaves MPRV alone (bare translation, PMP allows U: harmless) */
  TEST 5
  li a0, MSTATUS_MPP | MSTATUS_MPRV
  csrs mstatus, a0
  lla a0, 1f
  csrw mepc, a0
  mret
  j fail
1:
  csrr a0, mstatus
  li a1, MSTATUS_MPRV
  csrc mstatus, a1
  CHECK_SET a0, MSTATUS_MPRV
  /* mret to S: lands in S (an M CSR traps from S); MPP <- U (MPRV: traps/xret_mprv.S) */
  TEST 6
  GOTO_S
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  GOTO_M
  /* mret to U: lands in U */
  TEST 7
  GOTO_U
  TRAP_ILL PRV_U, PRV_M, csrr a0, sstatus
  GOTO_M
  /* mret to M sets MPP to U */
  TEST 8
  li a0, MSTATUS_MPP
  csrs mstatus, a0
  lla a0, 1f
  csrw mepc, a0
  mret
1:
  csrr a0, mstatus
  CHECK_MASKED a0, MSTATUS_MPP, 0
  /* mret to S with MPIE = 1 sets MIE (seen as MPIE = 1 by the next trap into M) */
  TEST 9
  li a0, MSTATUS_MPIE
  csrs mstatus, a0
  GOTO_S
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_MIE | MSTATUS_MPIE, MSTATUS_MPIE
  GOTO_M
  /* sret S -> U: SIE <- SPIE, SPIE <- 1, SPP <- U */
  TEST 10
  GOTO_S
  li a0, MSTATUS_SPIE
  csrc sstatus, a0
  csrsi sstatus, MSTATUS_SIE
  SGOTO_PRV PRV_U
  GOTO_M
  csrr a0, mstatus
  CHECK_MASKED a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SPIE
  /* sret S -> S with SPIE = 1: SIE = 1 afterwards, SPP = 0 */
  TEST 11
  GOTO_S
  li a0, MSTATUS_SPIE
  csrs sstatus, a0
  csrci sstatus, MSTATUS_SIE
  SGOTO_PRV PRV_S
  csrr a0, sstatus
  CHECK_MASKED a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SIE | MSTATUS_SPIE
  csrci sstatus, MSTATUS_SIE
  /* still in S */
  TEST 12
  TRAP_ILL PRV_S, PRV_M, csrr a0, mscratch
  GOTO_M
  /* sret executed in M-mode (legal): goes to SPP's mode; SPP <- U */
  TEST 13
  li a0, MSTATUS_SPP
  csrs mstatus, a0
  lla a0, 1f
  csrw sepc, a0
  sret
  j fail
1:
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_SPP
  TEST 14
  GOTO_M
  li a0, MSTATUS_SPP
  csrc mstatus, a0
  lla a0, 1f
  csrw sepc, a0
  sret
  j fail
1:
  TRAP_ILL PRV_U, PRV_M, csrr a0, sstatus
  GOTO_M
  PASS
