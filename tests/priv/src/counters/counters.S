/*
 * counters/counters — cycle, instret, time, hpm counters, mcountinhibit.
 * Spec: unprivileged Zicntr ("Counters" chapter: cycle/time/instret), privileged 1.12
 * §3.1.10 (mcycle/minstret are writable; mhpmcounter3-31 / mhpmevent3-31 may be read-only
 * zero; event 0 = no event), §3.2.1 / Zicntr (time may be emulated: reading it may trap to M-mode).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* cycle increases */
  TEST 3
  csrr s0, cycle
  li a0, 200
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, cycle
  CHECK_LTU s0, s1
  /* instret increases */
  TEST 4
  csrr s0, instret
  li a0, 200
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, instret
  CHECK_LTU s0, s1
  /* mcycle / minstret alias cycle / instret */
  TEST 5
  csrr s0, mcycle
  csrr s1, cycle
  CHECK_LTU s0, s1
  csrr s0, minstret
  csrr s1, instret
  CHECK_LTU s0, s1
  /* minstret is writable: the value read afterwards continues from the written value */
  TEST 6
  li s2, 0x0000100000000000
  csrw minstret, s2
  csrr s0, minstret
  sub a1, s0, s2
  li a2, 1000000
  CHECK_LTU a1, a2          /* s2 <= s0 < s2 + 1e6 (unsigned wrap catches s0 < s2) */
  csrr s1, instret
  CHECK_LTU s0, s1
  /* mcycle is writable */
  TEST 7
  li s2, 0x0000200000000000
  csrw mcycle, s2
  csrr s0, mcycle
  sub a1, s0, s2
  li a2, 100000000
  CHECK_LTU a1, a2
  /* (mcountinhibit: see counters/countinhibit.S) */
  /* hpm counter/event 3 read zero (never programmed; 4..31: counters/hpm_all.S) */
  TEST 8
  csrr a0, mhpmcounter3
  CHECK_EQI a0, 0
  csrr a0, hpmcounter3
  CHECK_EQI a0, 0
  TEST 9
  csrr a0, mhpmevent3
  CHECK_EQI a0, 0
  /* time: if the CSR is implemented (it may instead trap so that M-mode emulates it), it
   * increases. The loop runs long enough for any real-time clock >= 1 MHz to tick. */
  TEST 10
  ARM 1, CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_RESUME, no_time
  .option push
  .option norvc
  csrr s0, time
  .option pop
  DISARM
  li a0, 200000
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, time
  CHECK_LTU s0, s1
no_time:
  DISARM
  PASS
