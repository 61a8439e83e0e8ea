/*
 * misaligned/amo — misaligned atomics are never performed.
 * Unprivileged A extension (hv implements no Zam): "If the address is not naturally aligned,
 * an address-misaligned exception or an access-fault exception will be generated" - for
 * LR a load exception (4 or 5); for AMOs a store/AMO one (6 or 7; exact class checked in
 * misaligned/amo_cause.S, here any of 4-7 is accepted); xtval = the address. Memory and rd
 * are left unchanged.
 */
#include "priv.h"

/*
 * Expect one trap with tval = areg and a cause in {c1, c2} (or, for AMOs here, any of the
 * misaligned/access-fault causes 4-7: the exact store/AMO class is checked separately in
 * misaligned/amo_cause.S); insn must not write memory or rd.
 */
.macro MISAL c1, c2, from, areg, insn:vararg
  ARM 1, CAUSE_ANY, \from, PRV_M, TVK_EXACT, 0
  TR_SET_REG TR_TVAL, \areg
  TR_SET_LABEL TR_EPC, .Lins\@
  TR_SET_LABEL TR_RESUME, .Lres\@
  .balign 4
  .option push
  .option norvc
.Lins\@:
  \insn
  .option pop
  j fail
.Lres\@:
  CHECK_ALL_TAKEN
  TR_LD t4, TR_GCAUSE
  li t3, \c1
  beq t4, t3, .Lok\@
  li t3, \c2
  beq t4, t3, .Lok\@
  .if \c1 == CAUSE_MISALIGNED_STORE
  addi t4, t4, -CAUSE_MISALIGNED_LOAD
  li t3, 4
  CHECK_LTU t4, t3
  .else
  j fail
  .endif
.Lok\@:
.endm

.macro CHECK_BUF_UNCHANGED
  lla t4, buf
  ld t3, 0(t4)
  CHECK_EQ t3, s8
  ld t3, 8(t4)
  CHECK_EQ t3, s9
.endm

  .text
  .globl main
main:
  lla s0, buf
  ld s8, 0(s0)
  ld s9, 8(s0)
  li s1, 0x777
  /* word AMOs at +2 */
  TEST 3
  addi a0, s0, 2
  li a1, 0x777
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_M, a0, amoadd.w a1, s1, (a0)
  CHECK_EQI a1, 0x777
  CHECK_BUF_UNCHANGED
  TEST 4
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_M, a0, amoswap.w.aqrl a1, s1, (a0)
  CHECK_BUF_UNCHANGED
  TEST 5
  addi a0, s0, 1
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_M, a0, amomaxu.w a1, s1, (a0)
  CHECK_BUF_UNCHANGED
  /* doubleword AMOs at +4 (word aligned, not doubleword aligned) */
  TEST 6
  addi a0, s0, 4
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_M, a0, amoor.d a1, s1, (a0)
  CHECK_EQI a1, 0x777
  CHECK_BUF_UNCHANGED
  TEST 7
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_M, a0, amoswap.d a1, s1, (a0)
  CHECK_BUF_UNCHANGED
  /* LR: load exceptions */
  TEST 8
  addi a0, s0, 2
  MISAL CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, PRV_M, a0, lr.w a1, (a0)
  CHECK_EQI a1, 0x777
  TEST 9
  addi a0, s0, 4
  MISAL CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, PRV_M, a0, lr.d a1, (a0)
  /* aligned ones work (control) */
  TEST 10
  addi a0, s0, 4
  amoadd.w a1, zero, (a0)
  srli t0, s8, 32
  sext.w t0, t0
  CHECK_EQ a1, t0
  /* S- and U-mode */
  TEST 11
  GOTO_S
  addi a0, s0, 6
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_S, a0, amoand.w a1, s1, (a0)
  CHECK_BUF_UNCHANGED
  TEST 12
  SGOTO_PRV PRV_U
  addi a0, s0, 12
  MISAL CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, PRV_U, a0, amoxor.d a1, s1, (a0)
  CHECK_BUF_UNCHANGED
  TEST 13
  addi a0, s0, 3
  MISAL CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, PRV_U, a0, lr.w a1, (a0)
  /* delegated to S */
  TEST 14
  GOTO_M
  li a0, (1 << CAUSE_MISALIGNED_LOAD) | (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_MISALIGNED_STORE) | (1 << CAUSE_STORE_ACCESS)
  csrw medeleg, a0
  GOTO_U
  addi a0, s0, 2
  ARM 1, CAUSE_ANY, PRV_U, PRV_S, TVK_EXACT, 0
  TR_SET_REG TR_TVAL, a0
  TR_SET_LABEL TR_RESUME, 1f
  amominu.w a1, s1, (a0)
  j fail
1:
  CHECK_ALL_TAKEN
  CHECK_BUF_UNCHANGED
  GOTO_M
  csrw medeleg, zero
  PASS

  .data
  .balign 16
buf:
  .dword 0x8877665544332211
  .dword 0x00ffeeddccbbaa99
