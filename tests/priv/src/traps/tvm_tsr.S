/*
 * traps/tvm_tsr — mstatus.TVM and mstatus.TSR.
 * Spec 1.12 §3.1.6.5: TVM = 1 makes S-mode reads/writes of satp and SFENCE.VMA (and
 * SINVAL.VMA) raise an illegal-instruction exception; TSR = 1 makes SRET in S-mode raise
 * an illegal-instruction exception. Neither affects M-mode. With the bits clear the same
 * operations are legal in S-mode.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* TVM = 0: S may access satp and execute sfence.vma */
  TEST 3
  GOTO_S
  csrr a0, satp
  csrw satp, zero
  sfence.vma
  sfence.vma zero, zero
  GOTO_M
  /* TVM = 1 */
  TEST 4
  li a0, MSTATUS_TVM
  csrs mstatus, a0
  GOTO_S
  TRAP_ILL PRV_S, PRV_M, csrr a0, satp
  TEST 5
  TRAP_ILL PRV_S, PRV_M, csrw satp, zero
  TEST 6
  TRAP_ILL PRV_S, PRV_M, sfence.vma
  TEST 7
  li a1, 0x80000000
  TRAP_ILL PRV_S, PRV_M, sfence.vma a1, zero
  /* other S CSRs still fine */
  TEST 8
  csrr a0, sstatus
  csrr a0, stvec
  /* M-mode unaffected */
  TEST 9
  GOTO_M
  csrr a0, satp
  csrw satp, zero
  sfence.vma
  li a0, MSTATUS_TVM
  csrc mstatus, a0
  /* TSR = 1: sret in S traps; sret in M still works */
  TEST 10
  li a0, MSTATUS_TSR
  csrs mstatus, a0
  GOTO_S
  TRAP_ILL PRV_S, PRV_M, sret
  TEST 11
  GOTO_M
  li a0, MSTATUS_SPP
  csrs mstatus, a0
  lla a0, 1f
  csrw sepc, a0
  sret
  j fail
1:
  /* now in S (with TSR still 1) */
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  /* TSR = 0: sret in S works */
  TEST 12
  GOTO_M
  li a0, MSTATUS_TSR
  csrc mstatus, a0
  GOTO_S
  SGOTO_PRV PRV_S
  SGOTO_PRV PRV_U
  GOTO_M
  PASS
