/*
 * traps/xret_mprv — "If y != M, xRET also sets MPRV = 0" (privileged 1.12 §3.1.6.1, new in
 * 1.12): MRET or SRET to S or U clears mstatus.MPRV; MRET to M leaves it (traps/xret.S).
 *
 * QEMU-XFAIL: 3  QEMU 7.2 leaves MPRV set.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* MRET to S */
  TEST 3
  li a0, MSTATUS_MPRV
  csrs mstatus, a0
  GOTO_S
  GOTO_M
  csrr a0, mstatus
  CHECK_CLR a0, MSTATUS_MPRV
  /* MRET to U */
  TEST 4
  li a0, MSTATUS_MPRV
  csrs mstatus, a0
  GOTO_U
  GOTO_M
  csrr a0, mstatus
  CHECK_CLR a0, MSTATUS_MPRV
  /* SRET from M to S */
  TEST 5
  li a0, MSTATUS_MPRV | MSTATUS_SPP
  csrs mstatus, a0
  lla a0, 1f
  csrw sepc, a0
  sret
1:
  GOTO_M
  csrr a0, mstatus
  CHECK_CLR a0, MSTATUS_MPRV
  PASS
