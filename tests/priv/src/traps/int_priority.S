/*
 * traps/int_priority — priority of simultaneous interrupts.
 * Spec 1.12 §3.1.9: "Multiple simultaneous interrupts destined for M-mode are handled in
 * the following decreasing priority order: MEI, MSI, MTI, SEI, SSI, STI." §4.1.3: for
 * S-mode "SEI, SSI, STI". Only the software-writable S-level bits are used (the M-level
 * ones need a CLINT/PLIC). The handlers disable each interrupt in mie/sie as it is taken,
 * so after each xRET the next one in priority order follows.
 *
 * QEMU-XFAIL: 3  QEMU 7.2 (without AIA) takes the lowest-numbered pending interrupt first
 *                (SSI, STI, SEI).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* to M: all three pending and enabled, then MIE set */
  TEST 3
  li s0, S_INTS
  csrs mip, s0
  csrs mie, s0
  TR_LD s1, TR_COUNT
  ARM 3, CAUSE_ANY, PRV_M, PRV_M, TVK_ANY, 0
  csrsi mstatus, MSTATUS_MIE
  nop
  CHECK_ALL_TAKEN
  CHECK_LOG s1, 0, INT(IRQ_SEI)
  TEST 4
  CHECK_LOG s1, 1, INT(IRQ_SSI)
  TEST 5
  CHECK_LOG s1, 2, INT(IRQ_STI)
  csrci mstatus, MSTATUS_MIE
  csrc mip, s0
  /* enabled in the opposite order (STI first): priority, not order of arrival */
  TEST 6
  li a0, MIP_STIP
  csrs mip, a0
  csrs mie, a0
  li a0, MIP_SSIP
  csrs mip, a0
  csrs mie, a0
  TR_LD s1, TR_COUNT
  ARM 2, CAUSE_ANY, PRV_M, PRV_M, TVK_ANY, 0
  csrsi mstatus, MSTATUS_MIE
  nop
  CHECK_ALL_TAKEN
  CHECK_LOG s1, 0, INT(IRQ_SSI)
  CHECK_LOG s1, 1, INT(IRQ_STI)
  csrci mstatus, MSTATUS_MIE
  csrc mip, s0
  /* to S (delegated): pending in M-mode, then U-mode entered (S interrupts always enabled) */
  TEST 7
  csrw mideleg, s0
  csrs mip, s0
  csrs mie, s0
  TR_LD s1, TR_COUNT
  ARM 3, CAUSE_ANY, PRV_U, PRV_S, TVK_ANY, 0
  GOTO_U
  nop
  CHECK_ALL_TAKEN
  CHECK_LOG s1, 0, INT(IRQ_SEI)
  TEST 8
  CHECK_LOG s1, 1, INT(IRQ_SSI)
  CHECK_LOG s1, 2, INT(IRQ_STI)
  GOTO_M
  csrc mip, s0
  csrw mideleg, zero
  PASS
