/*
 * pmp/napot — NAPOT regions, S/U permission checks, no-match rule.
 * Spec 1.12 §3.7.1: pmpcfg A = NAPOT (3) encodes a naturally aligned power-of-two region of
 * >= 8 bytes in pmpaddr (trailing ones give the size); R/W/X grant S/U loads, stores/AMOs and
 * fetches; a failed check raises an access fault of the access type (load 5, store/AMO 7,
 * instruction 1) with xtval = the address. "If no PMP entry matches an S-mode or U-mode
 * access, but at least one PMP entry is implemented, the access fails" (with every entry
 * off: pmp/no_entries.S). Entries without L do
 * not restrict M-mode; an M-mode access matching no entry succeeds.
 * Layout: entry 0 = 8 bytes at TPAGE(3)+0x10 RW; 1 = TPAGE(0) R; 2 = TPAGE(1) RW;
 * 3 = TPAGE(2) X; 4 = TPAGE(3) none; 7 = the 2 MiB image RWX (code, data, tohost).
 * PRIV_FREE_2M (just above the image) matches nothing.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* code for the X-only page */
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(2)
  sd a1, 0(a2)
  fence.i
  PMP_CLEAR_ALL
  lla a0, TPAGE(3) + 0x10
  srli a0, a0, 2
  csrw pmpaddr0, a0                           /* NAPOT 8 bytes: no trailing ones */
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr1, a0
  PMP_NAPOT a0, TPAGE(1), PAGE
  csrw pmpaddr2, a0
  PMP_NAPOT a0, TPAGE(2), PAGE
  csrw pmpaddr3, a0
  PMP_NAPOT a0, TPAGE(3), PAGE
  csrw pmpaddr4, a0
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W) << 0) | ((PMP_A_NAPOT | PMP_R) << 8) | \
         ((PMP_A_NAPOT | PMP_R | PMP_W) << 16) | ((PMP_A_NAPOT | PMP_X) << 24) | \
         ((PMP_A_NAPOT) << 32) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  /* the configuration reads back */
  TEST 3
  csrr a1, pmpcfg0
  CHECK_EQ a0, a1
  lla s0, TPAGE(0)
  lla s1, TPAGE(1)
  lla s2, TPAGE(2)
  lla s3, TPAGE(3)
  li s4, PRIV_FREE_2M
  /* M-mode is not restricted (no L bits), not even where nothing matches */
  TEST 4
  sd s0, 0(s0)
  sd s2, 8(s2)
  sd s3, 0(s3)
  sd s4, 0(s4)
  ld a0, 0(s4)
  CHECK_EQ a0, s4
  /* S-mode */
  TEST 5
  GOTO_S
  ld a0, 0(s0)
  CHECK_EQ a0, s0
  TEST 6
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 7
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, amoadd.w a0, a0, (s0)
  TEST 8
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s0
  TEST 9
  sd s1, 0(s1)
  ld a0, 0(s1)
  CHECK_EQ a0, s1
  amoadd.d a0, a0, (s1)
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s1
  TEST 10
  li a0, 0
  jalr ra, 0(s2)
  CHECK_EQI a0, 5
  addi a1, s2, 8
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 11
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s2, sb a0, 0(s2)
  /* 8-byte NAPOT region inside a no-permission page (lower entry number wins) */
  TEST 12
  ld a0, 0x10(s3)
  sd a0, 0x10(s3)
  addi a1, s3, 0x8
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 13
  addi a1, s3, 0x18
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sw a0, 0(a1)
  /* no matching entry: fails for S */
  TEST 14
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s4, ld a0, 0(s4)
  TEST 15
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s4, sd a0, 0(s4)
  TEST 16
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s4
  /* U-mode: the same rules */
  TEST 17
  SGOTO_PRV PRV_U
  ld a0, 0(s0)
  TRAP_R CAUSE_STORE_ACCESS, PRV_U, PRV_M, TVK_EXACT, s0, sh a0, 0(s0)
  TEST 18
  li a0, 0
  jalr ra, 0(s2)
  CHECK_EQI a0, 5
  TRAP_R CAUSE_LOAD_ACCESS, PRV_U, PRV_M, TVK_EXACT, s2, lbu a0, 0(s2)
  TEST 19
  TRAP_R CAUSE_LOAD_ACCESS, PRV_U, PRV_M, TVK_EXACT, s4, lw a0, 0(s4)
  /* delegated access faults go to S with stval = address */
  TEST 20
  GOTO_M
  li a0, (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_STORE_ACCESS) | (1 << CAUSE_FETCH_ACCESS)
  csrw medeleg, a0
  GOTO_U
  TRAP_R CAUSE_STORE_ACCESS, PRV_U, PRV_S, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 21
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_U, PRV_S, s1
  GOTO_M
  /* M-mode access faults are never delegated: NOMEM load from M */
  TEST 22
  li a1, 0x4000000000
  TRAP_R CAUSE_LOAD_ACCESS, PRV_M, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  csrw medeleg, zero
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 5
  ret
  .option pop
