/*
 * counters/hpm_all — all 29 hardware performance counters exist (privileged 1.12 §3.1.10:
 * "All counters should be implemented, but a legal implementation is to make both the counter
 * and its corresponding event selector be read-only 0"). hv implements them all as
 * read-only zero, so reading any of mhpmcounter3..31, mhpmevent3..31 and (from M-mode)
 * hpmcounter3..31 returns 0 without trapping.
 *
 * QEMU-XFAIL: 4  QEMU 7.2 implements only counters 3..18 (pmu-num = 16); 19..31 trap.
 */
#include "priv.h"

  .text
  .globl main
main:
  TEST 3
  csrr a0, mhpmcounter3
  CHECK_EQI a0, 0
  csrr a0, mhpmevent3
  CHECK_EQI a0, 0
  csrr a0, hpmcounter18
  CHECK_EQI a0, 0
  TEST 4
  csrr a0, mhpmcounter19
  CHECK_EQI a0, 0
  csrr a0, mhpmcounter31
  CHECK_EQI a0, 0
  TEST 5
  csrr a0, mhpmevent19
  CHECK_EQI a0, 0
  csrr a0, mhpmevent31
  CHECK_EQI a0, 0
  TEST 6
  csrr a0, hpmcounter19
  CHECK_EQI a0, 0
  csrr a0, hpmcounter31
  CHECK_EQI a0, 0
  PASS
