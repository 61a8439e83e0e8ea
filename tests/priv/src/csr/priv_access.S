/*
 * csr/priv_access — CSR privilege checks and privileged-instruction checks.
 * Spec 1.12 §2.1: CSR address bits [9:8] give the lowest privilege that may access it;
 * an access from a lower privilege raises an illegal-instruction exception. §3.3.2: MRET
 * is only legal in M-mode, SRET in S-mode or higher (and not in U). §4.2.1: SFENCE.VMA
 * is illegal in U-mode. mtval = the instruction bits (§3.1.16).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* ---------- S-mode ---------- */
  TEST 3
  GOTO_S
  /* S CSRs are accessible in S-mode */
  TEST 4
  csrr a0, sstatus
  csrr a0, sie
  csrr a0, sip
  csrr a0, stvec
  csrr a0, sscratch
  csrr a0, sepc
  csrr a0, scause
  csrr a0, stval
  csrr a0, satp
  csrr a0, scounteren
  csrr a0, sscratch
  csrw sscratch, a0
  /* M CSRs are not, for reading or writing */
  TEST 5
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  TEST 6
  TRAP_ILL PRV_S, PRV_M, csrr a0, mscratch
  TEST 7
  TRAP_ILL PRV_S, PRV_M, csrr a0, mhartid
  TEST 8
  TRAP_ILL PRV_S, PRV_M, csrr a0, misa
  TEST 9
  TRAP_ILL PRV_S, PRV_M, csrw mtvec, a0
  TEST 10
  TRAP_ILL PRV_S, PRV_M, csrr a0, mepc
  TEST 11
  TRAP_ILL PRV_S, PRV_M, csrr a0, medeleg
  TEST 12
  TRAP_ILL PRV_S, PRV_M, csrr a0, pmpcfg0
  TEST 13
  TRAP_ILL PRV_S, PRV_M, csrr a0, mcycle
  TEST 14
  TRAP_ILL PRV_S, PRV_M, csrr a0, mcounteren
  TEST 15
  TRAP_ILL PRV_S, PRV_M, csrs mie, a0
  TEST 16
  TRAP_ILL PRV_S, PRV_M, csrr a0, mvendorid
  /* MRET is M-only */
  TEST 17
  TRAP_ILL PRV_S, PRV_M, mret
  /* the failed accesses did not change privilege: still S (an M CSR still traps) */
  TEST 18
  TRAP_ILL PRV_S, PRV_M, csrr a0, mstatus
  /* ---------- U-mode ---------- */
  TEST 19
  SGOTO_PRV PRV_U
  TEST 20
  TRAP_ILL PRV_U, PRV_M, csrr a0, sstatus
  TEST 21
  TRAP_ILL PRV_U, PRV_M, csrr a0, sscratch
  TEST 22
  TRAP_ILL PRV_U, PRV_M, csrr a0, satp
  TEST 23
  TRAP_ILL PRV_U, PRV_M, csrw stvec, a0
  TEST 24
  TRAP_ILL PRV_U, PRV_M, csrr a0, sie
  TEST 25
  TRAP_ILL PRV_U, PRV_M, csrr a0, mstatus
  TEST 26
  TRAP_ILL PRV_U, PRV_M, csrr a0, mhartid
  TEST 27
  TRAP_ILL PRV_U, PRV_M, mret
  TEST 28
  TRAP_ILL PRV_U, PRV_M, sret
  TEST 29
  TRAP_ILL PRV_U, PRV_M, sfence.vma
  TEST 30
  TRAP_ILL PRV_U, PRV_M, csrr a0, scounteren
  /* fcsr (a U CSR) is accessible in U-mode (FS = Initial) */
  TEST 31
  csrr a0, fcsr
  csrw fflags, zero
  /* ---------- back to M ---------- */
  TEST 32
  GOTO_M
  csrr a0, mstatus      /* must not trap: we are in M again */
  /* SRET and MRET in M-mode are legal (checked in traps/xret); M CSRs accessible */
  PASS
