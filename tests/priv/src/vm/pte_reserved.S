/*
 * vm/pte_reserved — PTE bits 63:54 are reserved (privileged 1.12 §4.4: "Bits 63-54 are
 * reserved for future standard use"; §4.3.2 step 3: "if any bits or encodings that are
 * reserved for future standard use are set within pte, stop and raise a page-fault
 * exception corresponding to the original access type"). This holds for leaf and non-leaf
 * PTEs. hv implements neither Svpbmt (bits 62:61) nor Svnapot (bit 63), so those are
 * reserved too.
 */
#include "priv.h"

#define P54  0x40000000   /* leaf, bit 54 */
#define P60  0x40001000   /* leaf, bit 60 */
#define P61  0x40002000   /* leaf, bit 61 (PBMT = NC) */
#define P63  0x40003000   /* leaf, bit 63 (N) */
#define PNL  0x80000000   /* 1 GiB range reached through a non-leaf PTE with bit 54 set */
#define OK   0x40004000
#define AD (PTE_V | PTE_A | PTE_D | PTE_R | PTE_W)

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS OK, TPAGE(4), AD, LVL_4K
  MAPS P54, TPAGE(0), AD | (1 << 54), LVL_4K
  MAPS P60, TPAGE(0), AD | (1 << 60), LVL_4K
  MAPS P61, TPAGE(0), AD | (1 << 61), LVL_4K
  MAPS P63, TPAGE(0), AD | (1 << 63), LVL_4K
  /* second gigabyte of the upper region: VA 0x200000000 -> non-leaf with bit 54 -> 4K leaf */
  MAPS 0x200000000, TPAGE(1), AD, LVL_4K
  lla a1, vm_state
  ld a1, 8(a1)
  ld a2, 8*8(a1)          /* root[8]: the pointer just created for VA 0x200000000 */
  li a3, 1 << 54
  or a2, a2, a3
  sd a2, 8*8(a1)
  call vm_enable
  GOTO_S
  TEST 3
  li a1, OK
  ld a0, 0(a1)
  TEST 4
  li a1, P61
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 5
  li a1, P63
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  TEST 6
  li a1, P54
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 7
  li a1, P60
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  TEST 8
  li a1, 0x200000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  GOTO_M
  call vm_disable
  PASS
