/*
 * csr/ids — identification CSRs and writes to read-only CSRs.
 * Spec: privileged 1.12 §2.1 (CSR address map: bits [11:10] = 0b11 are read-only; writing
 * one raises an illegal-instruction exception), §3.1.1 misa, §3.1.2-3.1.5 mvendorid,
 * marchid, mimpid, mhartid, §3.1.17 mconfigptr, §3.1.16 (mtval = faulting instruction bits),
 * §3.7.1 (pmpcfg1/3/.. do not exist on RV64); Zicsr (rs1 = x0 means "no write").
 */
#include "priv.h"

  .text
  .globl main
main:
  /* misa: MXL = 2 (RV64) */
  TEST 3
  csrr s0, misa
  srli a0, s0, 62
  CHECK_EQI a0, 2
  /* misa: I, M, A, F, D, C, S, U present */
  TEST 4
  CHECK_SET s0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
  /* misa: E (RV32E) absent when I is present */
  TEST 5
  CHECK_CLR s0, (1 << 4)
  /* mhartid = 0 on the only hart */
  TEST 6
  csrr a0, mhartid
  CHECK_EQI a0, 0
  /* mvendorid, marchid, mimpid, mconfigptr must be readable (no trap) */
  TEST 7
  csrr a0, mvendorid
  csrr a0, marchid
  csrr a0, mimpid
  csrr a0, 0xf15            /* mconfigptr */
  /* writes to read-only M CSRs trap, mtval = the instruction */
  TEST 8
  li a0, 1
  TRAP_ILL PRV_M, PRV_M, csrw mvendorid, a0
  TEST 9
  TRAP_ILL PRV_M, PRV_M, csrw marchid, a0
  TEST 10
  TRAP_ILL PRV_M, PRV_M, csrw mimpid, a0
  TEST 11
  TRAP_ILL PRV_M, PRV_M, csrw mhartid, a0
  TEST 12
  TRAP_ILL PRV_M, PRV_M, csrw 0xf15, a0
  /* csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 only read */
  TEST 13
  li a1, 123
  csrrs a1, mhartid, x0
  CHECK_EQI a1, 0
  csrrc a1, mhartid, x0
  csrrsi a1, mhartid, 0
  csrrci a1, mhartid, 0
  CHECK_EQI a1, 0
  /* (csrrs/csrrc with rs1 != x0 holding 0 is a write attempt: see csr/ro_write_rs1.S) */
  TEST 14
  li a0, 1
  TRAP_ILL PRV_M, PRV_M, csrrs a1, mhartid, a0
  TEST 15
  TRAP_ILL PRV_M, PRV_M, csrrc a1, mvendorid, a0
  /* csrrw/csrrwi always write */
  TEST 16
  TRAP_ILL PRV_M, PRV_M, csrrwi x0, mhartid, 0
  TEST 17
  TRAP_ILL PRV_M, PRV_M, csrrw x0, marchid, x0
  /* user read-only counters (0xC00..) cannot be written, even from M-mode */
  TEST 18
  TRAP_ILL PRV_M, PRV_M, csrw cycle, a0
  TEST 19
  TRAP_ILL PRV_M, PRV_M, csrw instret, a0
  TEST 20
  TRAP_ILL PRV_M, PRV_M, csrw time, a0
  TEST 21
  TRAP_ILL PRV_M, PRV_M, csrs cycle, a0
  /* pmpcfg1 (0x3a1) does not exist for RV64 (§3.7.1) */
  TEST 22
  TRAP_ILL PRV_M, PRV_M, csrr a1, 0x3a1
  TEST 23
  TRAP_ILL PRV_M, PRV_M, csrw 0x3a3, a0
  /* the trap left the writable machine state sane: misa unchanged */
  TEST 24
  csrr a0, misa
  CHECK_EQ a0, s0
  PASS
