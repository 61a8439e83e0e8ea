/*
 * pmp/no_entries — "If no PMP entry matches an S-mode or U-mode access, but at least one PMP
 * entry is implemented, the access fails" (privileged 1.12 §3.7.1), which includes the case
 * where every entry is OFF: S-mode cannot even fetch its first instruction. M-mode is not
 * affected.
 *
 * QEMU-XFAIL: 3  QEMU 7.2 allows every S/U access when no PMP entry is active.
 */
#include "priv.h"

  .text
  .globl main
main:
  PMP_CLEAR_ALL
  /* S-mode: the fetch at the mret target fails; resume in M */
  TEST 3
  ARM 1, CAUSE_FETCH_ACCESS, PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  TR_SET_RESUME_M 2f
  MRET_TO PRV_S, 1f
1:
  j fail
2:
  CHECK_ALL_TAKEN
  TR_LD a0, TR_GTVAL
  lla a1, 1b
  CHECK_EQ a0, a1
  /* U-mode likewise */
  TEST 4
  ARM 1, CAUSE_FETCH_ACCESS, PRV_U, PRV_M, TVK_EXACT, 0
  TR_SET_LABEL TR_TVAL, 3f
  TR_SET_LABEL TR_EPC, 3f
  TR_SET_RESUME_M 4f
  MRET_TO PRV_U, 3f
3:
  j fail
4:
  CHECK_ALL_TAKEN
  /* M-mode loads/stores/fetches still work (we are running) */
  TEST 5
  lla a0, TPAGE(0)
  sd a0, 0(a0)
  ld a1, 0(a0)
  CHECK_EQ a0, a1
  PASS
