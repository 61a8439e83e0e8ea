/*
 * csr/ro_write_rs1 — CSRRS/CSRRC whose rs1 is not x0 write the CSR even if the register
 * holds zero (Zicsr: "if rs1 specifies a register holding a zero value other than x0, the
 * instruction will still attempt to write the unmodified value back to the CSR"), so on a
 * read-only CSR they raise an illegal-instruction exception (privileged 1.12 §2.1).
 *
 * QEMU-XFAIL: 3  QEMU 7.2 treats a zero write mask as "no write" and does not trap.
 */
#include "priv.h"

  .text
  .globl main
main:
  TEST 3
  li a0, 0
  TRAP_ILL PRV_M, PRV_M, csrrs a1, mhartid, a0
  TEST 4
  TRAP_ILL PRV_M, PRV_M, csrrc a1, mvendorid, a0
  TEST 5
  TRAP_ILL PRV_M, PRV_M, csrrs a1, cycle, a0
  PASS
