/*
 * counters/counteren — mcounteren/scounteren gate counter reads from S and U.
 * Spec 1.12 §3.1.11: with mcounteren.CY/TM/IR/HPMn clear, reading cycle/time/instret/
 * hpmcounterN in S- or U-mode raises an illegal-instruction exception; §4.1.5: likewise
 * scounteren for U-mode, and U needs both bits set. M-mode is never affected.
 */
#include "priv.h"

#define HPM3 (1 << 3)
  .text
  .globl main
main:
  /* both registers hold CY/TM/IR/HPM3 */
  TEST 3
  li a0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR | HPM3
  csrw mcounteren, a0
  csrr a1, mcounteren
  CHECK_MASKED a1, 0xf, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR | HPM3
  csrw scounteren, a0
  csrr a1, scounteren
  CHECK_MASKED a1, 0xf, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR | HPM3
  /* M-mode reads regardless of mcounteren */
  TEST 4
  csrw mcounteren, zero
  csrw scounteren, zero
  csrr a0, cycle
  csrr a0, instret
  csrr a0, hpmcounter3
  /* S-mode with mcounteren = 0: every counter read traps to M */
  TEST 5
  GOTO_S
  TRAP_ILL PRV_S, PRV_M, csrr a0, cycle
  TEST 6
  TRAP_ILL PRV_S, PRV_M, csrr a0, time
  TEST 7
  TRAP_ILL PRV_S, PRV_M, csrr a0, instret
  TEST 8
  TRAP_ILL PRV_S, PRV_M, csrr a0, hpmcounter3
  GOTO_M
  /* mcounteren = CY|IR|HPM3: those become readable in S; time still traps */
  TEST 9
  li a0, COUNTEREN_CY | COUNTEREN_IR | HPM3
  csrw mcounteren, a0
  GOTO_S
  csrr s0, cycle
  csrr s1, instret
  csrr a0, hpmcounter3
  TEST 10
  TRAP_ILL PRV_S, PRV_M, csrr a0, time
  /* U-mode: scounteren = 0 -> traps although mcounteren allows S */
  TEST 11
  SGOTO_PRV PRV_U
  TRAP_ILL PRV_U, PRV_M, csrr a0, cycle
  TEST 12
  TRAP_ILL PRV_U, PRV_M, csrr a0, instret
  GOTO_M
  /* scounteren = CY|IR: U reads them; HPM3 still traps */
  TEST 13
  li a0, COUNTEREN_CY | COUNTEREN_IR
  csrw scounteren, a0
  GOTO_U
  csrr a0, cycle
  csrr a0, instret
  TEST 14
  TRAP_ILL PRV_U, PRV_M, csrr a0, hpmcounter3
  GOTO_M
  /* scounteren.CY set but mcounteren.CY clear: U traps */
  TEST 15
  li a0, COUNTEREN_IR | HPM3
  csrw mcounteren, a0
  li a0, COUNTEREN_CY | COUNTEREN_IR | HPM3
  csrw scounteren, a0
  GOTO_U
  TRAP_ILL PRV_U, PRV_M, csrr a0, cycle
  TEST 16
  csrr a0, instret
  csrr a0, hpmcounter3
  /* the delegated case: illegal-instruction delegated to S reaches the S handler */
  TEST 17
  GOTO_M
  li a0, 1 << CAUSE_ILLEGAL_INSN
  csrw medeleg, a0
  GOTO_U
  TRAP_ILL PRV_U, PRV_S, csrr a0, cycle
  GOTO_M
  csrw medeleg, zero
  PASS
