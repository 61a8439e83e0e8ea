/*
 * misaligned/amo_cause — a misaligned AMO raises a store/AMO exception: cause 6
 * (store/AMO address misaligned) or 7 (store/AMO access fault), never a load exception
 * (privileged 1.12 table 3.6: AMOs are reported as store/AMO exceptions; A extension:
 * misaligned AMOs raise address-misaligned or access-fault exceptions).
 *
 * QEMU-XFAIL: 3  QEMU 7.2 raises a load address-misaligned exception (4).
 */
#include "priv.h"

.macro AMO_MISAL insn:vararg
  ARM 1, CAUSE_ANY, PRV_M, PRV_M, TVK_EXACT, 0
  TR_SET_REG TR_TVAL, a0
  TR_SET_LABEL TR_RESUME, .Lres\@
  .balign 4
  .option push
  .option norvc
  \insn
  .option pop
  j fail
.Lres\@:
  CHECK_ALL_TAKEN
  TR_LD t4, TR_GCAUSE
  addi t4, t4, -CAUSE_MISALIGNED_STORE
  li t3, 2
  CHECK_LTU t4, t3
.endm

  .text
  .globl main
main:
  lla s0, buf
  TEST 3
  addi a0, s0, 2
  AMO_MISAL amoadd.w a1, a1, (a0)
  TEST 4
  addi a0, s0, 4
  AMO_MISAL amoswap.d a1, a1, (a0)
  TEST 5
  addi a0, s0, 1
  AMO_MISAL amomax.w a1, a1, (a0)
  PASS

  .data
  .balign 16
buf:
  .dword 0, 0
