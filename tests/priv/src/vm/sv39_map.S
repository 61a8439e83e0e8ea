/*
 * vm/sv39_map — Sv39 translation with 4 KiB pages, 2 MiB megapages and 1 GiB gigapages.
 * Spec 1.12 §4.4 (Sv39: 39-bit VAs, 3 levels, 9-bit VPN fields, 44-bit PPN), §4.3.2
 * (translation process; step 6: a superpage whose PTE has pte.ppn[i-1:0] != 0 is misaligned
 * and raises a page fault of the access type), §4.1.11 (satp), §3.1.6.3 (M-mode is not
 * translated). Mappings are built in M-mode; S-mode loads/stores/fetches go through them
 * and M checks the physical memory.
 */
#include "priv.h"

#define VA_4K_A   0x40000000            /* -> TPAGE(0) */
#define VA_4K_B   0x40001000            /* -> TPAGE(2): not physically contiguous with A */
#define VA_2M     0x40200000            /* -> PRIV_FREE_2M */
#define VA_1G     0x100000000           /* -> RAM_BASE (1 GiB alias of the image) */
#define VA_HI     0xffffffffc0000000    /* -> RAM_BASE, top of the upper half */
#define VA_2M_BAD 0x40400000            /* megapage with ppn[0] != 0 */
#define VA_1G_BAD 0x140000000           /* gigapage with ppn[1] != 0 */

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS VA_4K_A, TPAGE(0), PTE_LEAF_RWX, LVL_4K
  MAPS VA_4K_B, TPAGE(2), PTE_LEAF_RWX, LVL_4K
  MAP VA_2M, PRIV_FREE_2M, PTE_LEAF_RWX, LVL_2M
  MAP VA_1G, RAM_BASE, PTE_LEAF_RWX, LVL_1G
  MAP VA_HI, RAM_BASE, PTE_LEAF_RWX, LVL_1G
  MAP VA_2M_BAD, PRIV_FREE_2M + PAGE, PTE_LEAF_RWX, LVL_2M
  MAP VA_1G_BAD, RAM_BASE + 0x200000, PTE_LEAF_RWX, LVL_1G
  /* physical contents */
  lla s0, TPAGE(0)
  li a0, 0x1111111111111111
  sd a0, 8(s0)
  lla s1, TPAGE(2)
  li a0, 0x2222222222222222
  sd a0, 16(s1)
  li s2, PRIV_FREE_2M
  li a0, 0x3333333333333333
  li a1, 0x1ff008
  add a1, a1, s2
  sd a0, 0(a1)
  lla s3, magic
  call vm_enable
  /* M-mode ignores satp: the PAs still read the same */
  TEST 3
  ld a0, 8(s0)
  CHECK_EQI a0, 0x1111111111111111
  /* S-mode reads through each mapping */
  TEST 4
  GOTO_S
  li a1, VA_4K_A
  ld a0, 8(a1)
  CHECK_EQI a0, 0x1111111111111111
  TEST 5
  li a1, VA_4K_B
  ld a0, 16(a1)
  CHECK_EQI a0, 0x2222222222222222
  TEST 6
  li a1, VA_2M + 0x1ff008
  ld a0, 0(a1)
  CHECK_EQI a0, 0x3333333333333333
  TEST 7
  li a1, VA_1G - RAM_BASE
  add a1, a1, s3
  ld a0, 0(a1)
  CHECK_EQI a0, 0x0123456789abcdef
  TEST 8
  li a1, VA_HI - RAM_BASE
  add a1, a1, s3
  ld a0, 0(a1)
  CHECK_EQI a0, 0x0123456789abcdef
  /* stores through the mappings */
  TEST 9
  li a1, VA_4K_A
  li a0, 0xaaaa
  sd a0, 24(a1)
  li a1, VA_4K_B
  li a0, 0xbbbb
  sw a0, 2044(a1)
  li a1, VA_2M + 0x100000
  li a0, 0xcccc
  sh a0, 0(a1)
  li a1, VA_HI - RAM_BASE
  add a1, a1, s3
  li a0, 0xdddd
  sd a0, 8(a1)
  /* instruction fetch through the gigapage aliases (position-independent leaf function) */
  TEST 10
  lla a1, leaf
  li a2, VA_1G - RAM_BASE
  add a1, a1, a2
  li a0, 0
  jalr ra, 0(a1)
  CHECK_EQI a0, 77
  TEST 11
  lla a1, leaf
  li a2, VA_HI - RAM_BASE
  add a1, a1, a2
  li a0, 0
  jalr ra, 0(a1)
  CHECK_EQI a0, 77
  /* misaligned superpages: page fault of the access type, stval = VA */
  TEST 12
  li a1, VA_2M_BAD + 0x10
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 13
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  TEST 14
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, a1
  TEST 15
  li a1, VA_1G_BAD + 0x2345678
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, lw a0, 0(a1)
  TEST 16
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sb a0, 0(a1)
  /* an unmapped VA: the third root entry region 0x80000000 is mapped, 0xc0000000 is not */
  TEST 17
  li a1, 0xc0000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  /* back in M: the stores landed in the right physical places */
  TEST 18
  GOTO_M
  ld a0, 24(s0)
  CHECK_EQI a0, 0xaaaa
  lwu a0, 2044(s1)
  CHECK_EQI a0, 0xbbbb
  li a1, 0x100000
  add a1, a1, s2
  lhu a0, 0(a1)
  CHECK_EQI a0, 0xcccc
  ld a0, 8(s3)
  CHECK_EQI a0, 0xdddd
  /* the page just after TPAGE(0) was not touched by the VA_4K_B store */
  TEST 19
  lla a1, TPAGE(1)
  lwu a0, 2044(a1)
  CHECK_EQI a0, 0
  call vm_disable
  PASS

leaf:
  li a0, 77
  ret

  .data
  .balign 16
magic:
  .dword 0x0123456789abcdef
  .dword 0
