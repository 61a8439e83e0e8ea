/*
 * pmp/priority — entries are prioritised statically: "The lowest-numbered PMP entry that
 * matches any byte of an access determines whether that access succeeds or fails"
 * (privileged 1.12 §3.7.1, Priority and Matching Logic), whatever higher-numbered entries
 * say; "The matching PMP entry must match all bytes of an access, or the access fails,
 * irrespective of the L, R, W, and X bits."
 */
#include "priv.h"

  .text
  .globl main
main:
  lla s0, TPAGE(0)
  lla s1, TPAGE(1)
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  /* 0 = TPAGE(0) none; 1 = TPAGE(0..1) RW */
  PMP_CLEAR_ALL
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr0, a0
  PMP_NAPOT a0, TPAGE(0), 2 * PAGE
  csrw pmpaddr1, a0
  li a0, ((PMP_A_NAPOT) << 0) | ((PMP_A_NAPOT | PMP_R | PMP_W) << 8) | \
         ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  GOTO_S
  TEST 3
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, ld a0, 0(s0)
  TEST 4
  ld a0, 0(s1)
  sd a0, 0(s1)
  GOTO_M
  /* swapped: 0 = TPAGE(0..1) RW; 1 = TPAGE(0) none -> TPAGE(0) accessible */
  TEST 5
  PMP_CLEAR_ALL
  PMP_NAPOT a0, TPAGE(0), 2 * PAGE
  csrw pmpaddr0, a0
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr1, a0
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W) << 0) | ((PMP_A_NAPOT) << 8) | \
         ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  GOTO_S
  ld a0, 0(s0)
  sd a0, 0(s0)
  GOTO_M
  /* the image entry (7) is lowest priority: entry 2 = TPAGE(2) R overrides it */
  TEST 6
  PMP_NAPOT a0, TPAGE(2), PAGE
  csrw pmpaddr2, a0
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W) << 0) | ((PMP_A_NAPOT) << 8) | \
         ((PMP_A_NAPOT | PMP_R) << 16) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  lla s2, TPAGE(2)
  GOTO_S
  ld a0, 0(s2)
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s2, sd a0, 0(s2)
  /* partial match of the first matching entry fails, even though every byte is allowed by
   * some entry: 3 = NA4 at TPAGE(4)+0x10 R, 4 = TPAGE(4) RW; an aligned 8-byte load at
   * +0x10 matches entry 3 for 4 of its 8 bytes. (Misaligned accesses are not used: they
   * may legally be split into smaller accesses that are checked one by one.) */
  TEST 7
  GOTO_M
  lla s4, TPAGE(4)
  addi a0, s4, 0x10
  srli a0, a0, 2
  csrw pmpaddr3, a0
  PMP_NAPOT a0, TPAGE(4), PAGE
  csrw pmpaddr4, a0
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W) << 0) | ((PMP_A_NAPOT) << 8) | \
         ((PMP_A_NAPOT | PMP_R) << 16) | ((PMP_A_NA4 | PMP_R) << 24) | \
         ((PMP_A_NAPOT | PMP_R | PMP_W) << 32) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  GOTO_S
  lw a0, 0x10(s4)
  ld a0, 0x18(s4)
  addi a1, s4, 0x10
  ARM 1, CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  TR_SET_LABEL TR_RESUME, 2f
  .option push
  .option norvc
1:
  ld a0, 0(a1)
  .option pop
  j fail
2:
  CHECK_ALL_TAKEN
  /* xtval lies within the access */
  TEST 8
  TR_LD a2, TR_GTVAL
  sub a2, a2, a1
  li a3, 8
  CHECK_LTU a2, a3
  /* the same for a store: entry 3 grants no W, entry 4 would */
  TEST 9
  ARM 1, CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_RESUME, 3f
  sd a0, 0(a1)
  j fail
3:
  CHECK_ALL_TAKEN
  sd a0, 0x18(s4)
  GOTO_M
  PASS
