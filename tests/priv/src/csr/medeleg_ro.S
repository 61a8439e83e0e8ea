/*
 * csr/medeleg_ro — medeleg bits for exceptions that cannot occur below M-mode are read-only
 * zero; "in particular, medeleg[11] is read-only zero" (privileged 1.12 §3.1.8).
 * Delegable exceptions (here: 0-9, 12, 13, 15) are writable.
 *
 * QEMU-XFAIL: 4  QEMU 7.2 lets medeleg[11] (ecall from M) be set.
 */
#include "priv.h"

#define DELEGABLE ((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | \
                   (1 << 7) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15))
  .text
  .globl main
main:
  TEST 3
  li a0, -1
  csrw medeleg, a0
  csrr a1, medeleg
  csrw medeleg, zero
  CHECK_SET a1, DELEGABLE
  TEST 4
  CHECK_CLR a1, (1 << 11)
  PASS
