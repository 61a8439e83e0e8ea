/*
 * csr/fs — floating-point context status.
 * Spec 1.12 §3.1.6.6: with FS = Off, any instruction that accesses FP state (including fcsr)
 * raises an illegal-instruction exception; instructions that modify FP state set FS to
 * Dirty; SD = 1 when FS (or VS, XS) is Dirty; FS is visible and writable in sstatus.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* FS = Off: FP arithmetic, moves, loads/stores and fcsr accesses are illegal */
  TEST 3
  li a0, MSTATUS_FS
  csrc mstatus, a0
  csrr a1, mstatus
  CHECK_CLR a1, MSTATUS_FS | MSTATUS_SD
  TEST 4
  TRAP_ILL PRV_M, PRV_M, fadd.d f1, f2, f3
  TEST 5
  TRAP_ILL PRV_M, PRV_M, fmv.x.d a2, f1
  TEST 6
  TRAP_ILL PRV_M, PRV_M, fmv.w.x f1, zero
  TEST 7
  lla a3, fpdata
  TRAP_ILL PRV_M, PRV_M, fld f1, 0(a3)
  TEST 8
  TRAP_ILL PRV_M, PRV_M, fsd f1, 0(a3)
  TEST 9
  TRAP_ILL PRV_M, PRV_M, csrr a2, fcsr
  TEST 10
  TRAP_ILL PRV_M, PRV_M, csrw fflags, zero
  TEST 11
  TRAP_ILL PRV_M, PRV_M, csrr a2, frm
  /* compressed FP load/store too (c.fld/c.fsd) */
  TEST 12
  lla s0, fpdata
  ARM 1, CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_RESUME, 1f
  .option push
  .option rvc
  c.fld fs0, 0(s0)
  .option pop
  j fail
1:
  CHECK_ALL_TAKEN
  /* the traps did not turn FS on */
  TEST 13
  csrr a1, mstatus
  CHECK_CLR a1, MSTATUS_FS
  /* FS = Initial: FP accessible; a write to an f register makes FS Dirty and SD = 1 */
  TEST 14
  li a0, MSTATUS_FS_INITIAL
  csrs mstatus, a0
  li a2, 0x3ff0000000000000
  fmv.d.x f1, a2
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  TEST 15
  fmv.x.d a3, f1
  CHECK_EQ a2, a3
  /* FS = Clean, fcsr write -> Dirty */
  TEST 16
  li a0, MSTATUS_FS
  csrc mstatus, a0
  li a0, MSTATUS_FS_CLEAN
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_CLEAN
  csrwi fflags, 1
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  /* FS = Clean, FP load -> Dirty */
  TEST 17
  li a0, MSTATUS_FS
  csrc mstatus, a0
  li a0, MSTATUS_FS_CLEAN
  csrs mstatus, a0
  lla a3, fpdata
  fld f2, 0(a3)
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  /* FP arithmetic that sets fflags -> Dirty (1.0 / 0.0 sets DZ) */
  TEST 18
  csrw fcsr, zero
  li a0, MSTATUS_FS
  csrc mstatus, a0
  li a0, MSTATUS_FS_CLEAN
  csrs mstatus, a0
  fmv.d.x f3, zero
  fdiv.d f4, f1, f3
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  csrr a2, fflags
  CHECK_EQI a2, 0x8
  /* FS/SD through sstatus; FS = Off from S-mode makes S FP instructions illegal */
  TEST 19
  csrr a1, sstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  GOTO_S
  li a0, MSTATUS_FS
  csrc sstatus, a0
  TEST 20
  TRAP_ILL PRV_S, PRV_M, fadd.s f1, f2, f3
  TEST 21
  li a0, MSTATUS_FS_INITIAL
  csrs sstatus, a0
  fmv.s.x f1, zero
  csrr a1, sstatus
  CHECK_MASKED a1, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS_DIRTY | MSTATUS_SD
  /* U-mode with FS = Off */
  TEST 22
  li a0, MSTATUS_FS
  csrc sstatus, a0
  SGOTO_PRV PRV_U
  TRAP_ILL PRV_U, PRV_M, fsgnj.d f1, f2, f2
  TEST 23
  TRAP_ILL PRV_U, PRV_M, csrr a0, fcsr
  GOTO_M
  TEST 24
  li a0, MSTATUS_FS_INITIAL
  csrs mstatus, a0
  PASS

  .data
  .balign 8
fpdata:
  .dword 0x4000000000000000
