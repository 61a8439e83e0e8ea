/*
 * traps/ecall — ECALL from U, S and M.
 * Spec 1.12 §3.3.1: ECALL raises environment-call-from-{U,S,M} (causes 8, 9, 11); xepc is
 * the address of the ECALL itself. §3.1.16: mtval is 0 for these. §3.1.6.1: on a trap into
 * M, MPIE <- MIE, MIE <- 0, MPP <- previous privilege; MRET restores MIE from MPIE.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* from M: cause 11, epc = the ecall, tval = 0 */
  TEST 3
  TRAP CAUSE_ECALL_M, PRV_M, PRV_M, TVK_EXACT, 0, ecall
  /* trap entry pushes MIE into MPIE and clears MIE; MPP = M */
  TEST 4
  csrsi mstatus, MSTATUS_MIE
  TRAP CAUSE_ECALL_M, PRV_M, PRV_M, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP_M
  /* mret restored MIE */
  TEST 5
  csrr a0, mstatus
  CHECK_SET a0, MSTATUS_MIE
  csrci mstatus, MSTATUS_MIE
  /* MIE = 0 before: MPIE = 0 in the handler */
  TEST 6
  TRAP CAUSE_ECALL_M, PRV_M, PRV_M, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_MIE | MSTATUS_MPIE
  /* from S: cause 9, MPP = S */
  TEST 7
  GOTO_S
  TRAP CAUSE_ECALL_S, PRV_S, PRV_M, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_MPP, MSTATUS_MPP_S
  /* from U: cause 8, MPP = U */
  TEST 8
  SGOTO_PRV PRV_U
  TRAP CAUSE_ECALL_U, PRV_U, PRV_M, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_MPP, 0
  /* the raw CSRs as seen by M afterwards */
  TEST 9
  GOTO_M
  csrr a0, mcause
  CHECK_EQI a0, CAUSE_ECALL_U   /* GOTO_M's own ecall came from U */
  /* ecall from S delegated with medeleg[9]: goes to the S handler, scause = 9, SPP = 1 */
  TEST 10
  li a0, 1 << CAUSE_ECALL_S
  csrw medeleg, a0
  GOTO_S
  TRAP CAUSE_ECALL_S, PRV_S, PRV_S, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_SET a0, MSTATUS_SPP
  /* (GOTO_M from S would now be delegated to S: leave through U, whose ecall is not) */
  SGOTO_PRV PRV_U
  GOTO_M
  /* ecall from U delegated with medeleg[8]; ecall from S not delegated any more */
  TEST 11
  li a0, 1 << CAUSE_ECALL_U
  csrw medeleg, a0
  GOTO_U
  TRAP CAUSE_ECALL_U, PRV_U, PRV_S, TVK_EXACT, 0, ecall
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_SPP
  /* scause/sepc hold the trap, mcause was untouched (still the GOTO_M ecall from U) */
  TEST 12
  GOTO_M                 /* U ecall -> S handler -> forwarded by an S ecall -> M */
  csrr a0, scause
  CHECK_EQI a0, CAUSE_ECALL_U
  csrr a0, mcause
  CHECK_EQI a0, CAUSE_ECALL_S
  csrw medeleg, zero
  PASS
