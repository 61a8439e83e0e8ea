/*
 * traps/medeleg — exception delegation.
 * Spec 1.12 §3.1.8: setting medeleg[i] makes exception i raised in S or U mode trap to the
 * S-mode handler (scause, sepc, stval, SPP, SPIE, SIE updated; the M registers untouched).
 * "Traps never transition from a more-privileged mode to a less-privileged mode": an
 * exception raised in M-mode goes to M whatever medeleg says. §4.1.1: SPP <- 1 from S,
 * 0 from U; SPIE <- SIE; SIE <- 0.
 */
#include "priv.h"

  .text
  .globl main
main:
  li a0, (1 << CAUSE_ILLEGAL_INSN) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ECALL_U)
  csrw medeleg, a0
  csrr a1, medeleg
  TEST 3
  CHECK_EQ a0, a1
  /* M-mode: never delegated */
  TEST 4
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0xc0001073, unimp
  TEST 5
  TRAP_PC CAUSE_BREAKPOINT, PRV_M, PRV_M, TVK_ZERO_OR, ebreak
  /* S-mode: delegated ones go to S, SPP = 1, SPIE <- SIE (= 1), SIE <- 0 */
  TEST 6
  GOTO_S
  csrsi sstatus, MSTATUS_SIE
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_S, TVK_EXACT, 0xc0001073, unimp
  TR_LD a0, TR_GSTATUS
  CHECK_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE
  /* sret restored SIE */
  TEST 7
  csrr a0, sstatus
  CHECK_SET a0, MSTATUS_SIE
  csrci sstatus, MSTATUS_SIE
  /* ecall from S is not delegated (bit 9 clear): to M */
  TEST 8
  TRAP CAUSE_ECALL_S, PRV_S, PRV_M, TVK_EXACT, 0, ecall
  /* U-mode: SPP = 0, SIE = 0 -> SPIE = 0 (sret to U copies SPIE into SIE: clear it first) */
  TEST 9
  li a0, MSTATUS_SPIE
  csrc sstatus, a0
  SGOTO_PRV PRV_U
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_S, TVK_EXACT, 0xc0001073, unimp
  TR_LD a0, TR_GSTATUS
  CHECK_CLR a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
  TEST 10
  TRAP CAUSE_ECALL_U, PRV_U, PRV_S, TVK_EXACT, 0, ecall
  TEST 11
  TRAP_PC CAUSE_BREAKPOINT, PRV_U, PRV_S, TVK_ZERO_OR, ebreak
  /* after the GOTO_M chain (U ecall delegated to S, forwarded as an S ecall to M) */
  TEST 12
  GOTO_M
  csrr a0, scause
  CHECK_EQI a0, CAUSE_ECALL_U
  csrr a0, mcause
  CHECK_EQI a0, CAUSE_ECALL_S
  TEST 13
  /* delegation cleared: U illegal goes to M again */
  csrw medeleg, zero
  GOTO_U
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_M, TVK_EXACT, 0xc0001073, unimp
  GOTO_M
  PASS
