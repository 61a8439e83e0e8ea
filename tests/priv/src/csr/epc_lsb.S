/*
 * csr/epc_lsb — mepc[0] and sepc[0] are always zero (privileged 1.12 §3.1.14 and §4.1.7;
 * with the C extension IALIGN = 16, so bit 1 is writable).
 *
 * QEMU-XFAIL: 3  QEMU 7.2 keeps bit 0 of mepc/sepc as written.
 */
#include "priv.h"

  .text
  .globl main
main:
  TEST 3
  li a0, 0x80001235
  csrw mepc, a0
  csrr a1, mepc
  CHECK_EQI a1, 0x80001234
  TEST 4
  csrw sepc, a0
  csrr a1, sepc
  CHECK_EQI a1, 0x80001234
  /* bit 1 is kept (IALIGN = 16) */
  TEST 5
  li a0, 0x80001232
  csrw mepc, a0
  csrr a1, mepc
  CHECK_EQ a0, a1
  PASS
