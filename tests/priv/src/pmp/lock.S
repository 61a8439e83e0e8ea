/*
 * pmp/lock — the L bit.
 * Spec 1.12 §3.7.1 (Locking and Privilege Mode): when L = 1 the entry's R/W/X also apply to
 * M-mode, and writes to the entry's pmpcfg field and pmpaddr register are ignored (until
 * reset); if entry i+1 is TOR and locked, writes to pmpaddr[i] are ignored as well. Entries
 * with L = 0 do not restrict M-mode; an M-mode access matching no entry succeeds.
 * Layout: 0 = NAPOT TPAGE(0) R, locked; 2 = OFF (address TPAGE(2)), 3 = TOR
 * [TPAGE(2), TPAGE(3)) RW locked; 4 = NAPOT TPAGE(4) none, unlocked; 7 = image RWX.
 * Locks cannot be undone, so everything that needs other PMP settings comes first.
 */
#include "priv.h"

#define CFG_L (((PMP_A_NAPOT | PMP_R | PMP_L) << 0) | ((PMP_A_TOR | PMP_R | PMP_W | PMP_L) << 24) | \
               ((PMP_A_NAPOT) << 32) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56))

  .text
  .globl main
main:
  lla s0, TPAGE(0)
  lla s2, TPAGE(2)
  lla s4, TPAGE(4)
  PMP_CLEAR_ALL
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr0, a0
  PMP_ADDR a0, TPAGE(2)
  csrw pmpaddr2, a0
  PMP_ADDR a0, TPAGE(3)
  csrw pmpaddr3, a0
  PMP_NAPOT a0, TPAGE(4), PAGE
  csrw pmpaddr4, a0
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  /* unlocked entry 4 (no permissions) does not restrict M */
  TEST 3
  li a0, ((PMP_A_NAPOT) << 32) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  sd a0, 0(s4)
  ld a1, 0(s4)
  CHECK_EQ a0, a1
  /* lock entries 0 and 3 */
  TEST 4
  li a0, CFG_L
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  CHECK_EQ a0, a1
  /* M-mode: the locked read-only page can be read, not written nor executed */
  TEST 5
  ld a0, 0(s0)
  TRAP_R CAUSE_STORE_ACCESS, PRV_M, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 6
  TRAP_R CAUSE_STORE_ACCESS, PRV_M, PRV_M, TVK_EXACT, s0, amoswap.d a0, a0, (s0)
  TEST 7
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_M, PRV_M, s0
  /* locked TOR entry 3 (RW, no X) applies to M too */
  TEST 8
  sd a0, 0(s2)
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_M, PRV_M, s2
  /* still no restriction for M through unlocked entry 4, or where nothing matches */
  TEST 9
  sd a0, 0(s4)
  li a1, PRIV_FREE_2M
  sd a0, 0(a1)
  /* writes to the locked cfg fields are ignored, the unlocked ones still take effect */
  TEST 10
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 0) | ((PMP_A_NAPOT | PMP_R) << 32) | \
         ((PMP_A_TOR | PMP_R) << 24) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  CHECK_EQI a1, ((PMP_A_NAPOT | PMP_R | PMP_L) << 0) | ((PMP_A_TOR | PMP_R | PMP_W | PMP_L) << 24) | \
                ((PMP_A_NAPOT | PMP_R) << 32) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  /* clearing L by csrc is ignored too */
  TEST 11
  li a0, PMP_L
  csrc pmpcfg0, a0
  csrr a1, pmpcfg0
  CHECK_SET a1, PMP_L
  /* the locked page is still read-only for M */
  TEST 12
  TRAP_R CAUSE_STORE_ACCESS, PRV_M, PRV_M, TVK_EXACT, s0, sw a0, 0(s0)
  /* pmpaddr0 (locked) ignores writes */
  TEST 13
  csrr a0, pmpaddr0
  li a1, 0x1234
  csrw pmpaddr0, a1
  csrr a2, pmpaddr0
  CHECK_EQ a0, a2
  /* pmpaddr2 (unlocked, but entry 3 is a locked TOR) ignores writes */
  TEST 14
  csrr a0, pmpaddr2
  csrw pmpaddr2, a1
  csrr a2, pmpaddr2
  CHECK_EQ a0, a2
  /* pmpaddr4 (unlocked) is writable */
  TEST 15
  csrw pmpaddr4, a1
  csrr a2, pmpaddr4
  CHECK_EQ a1, a2
  /* S-mode sees the locked entries like any other */
  TEST 16
  GOTO_S
  ld a0, 0(s0)
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  GOTO_M
  PASS
