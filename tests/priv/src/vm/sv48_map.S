/*
 * vm/sv48_map — Sv48 translation: 4 KiB, 2 MiB, 1 GiB and 512 GiB pages.
 * Spec 1.12 §4.5 (Sv48: 48-bit VAs, 4 levels; bits 63:48 must equal bit 47, else page
 * fault), §4.3.2 (misaligned superpage -> page fault), §4.1.11.
 */
#include "priv.h"

#define VA_4K    0x40000000               /* -> TPAGE(1) */
#define VA_2M    0x7fffe00000             /* -> PRIV_FREE_2M (top of the first 512 GiB) */
#define VA_1G    0x300000000              /* -> RAM_BASE */
#define VA_512G  0x8000000000             /* -> PA 0: a terapage; +RAM_BASE reaches the image */
#define VA_HI    0xffff800000000000       /* lowest upper-half VA -> TPAGE(3) */
#define VA_512G_BAD 0x10000000000         /* terapage with ppn[2:0] != 0 */

  .text
  .globl main
main:
  li a0, SATP_MODE_SV48
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS VA_4K, TPAGE(1), PTE_LEAF_RWX, LVL_4K
  MAP VA_2M, PRIV_FREE_2M, PTE_LEAF_RWX, LVL_2M
  MAP VA_1G, RAM_BASE, PTE_LEAF_RWX, LVL_1G
  MAP VA_512G, 0, PTE_LEAF_RWX, LVL_512G
  MAPS VA_HI, TPAGE(3), PTE_LEAF_RWX, LVL_4K
  MAP VA_512G_BAD, RAM_BASE, PTE_LEAF_RWX, LVL_512G
  lla s0, TPAGE(1)
  li a0, 0x4848484848484848
  sd a0, 0(s0)
  li s1, PRIV_FREE_2M
  li a0, 0x2020202020202020
  sd a0, 0x40(s1)
  lla s2, magic
  lla s3, TPAGE(3)
  li a0, 0x7777777777777777
  sd a0, 0x18(s3)
  call vm_enable
  TEST 3
  csrr a0, satp
  srli a0, a0, SATP_MODE_SHIFT
  CHECK_EQI a0, SATP_MODE_SV48
  TEST 4
  GOTO_S
  li a1, VA_4K
  ld a0, 0(a1)
  CHECK_EQI a0, 0x4848484848484848
  TEST 5
  li a1, VA_2M
  ld a0, 0x40(a1)
  CHECK_EQI a0, 0x2020202020202020
  TEST 6
  li a1, VA_1G - RAM_BASE
  add a1, a1, s2
  ld a0, 0(a1)
  CHECK_EQI a0, 0x0123456789abcdef
  TEST 7
  li a1, VA_512G
  add a1, a1, s2
  ld a0, 0(a1)
  CHECK_EQI a0, 0x0123456789abcdef
  TEST 8
  li a1, VA_HI
  ld a0, 0x18(a1)
  CHECK_EQI a0, 0x7777777777777777
  /* stores */
  TEST 9
  li a1, VA_512G
  add a1, a1, s2
  li a0, 0x5151
  sd a0, 8(a1)
  li a1, VA_HI
  li a0, 0x6161
  sd a0, 0x20(a1)
  /* fetch through the terapage */
  TEST 10
  lla a1, leaf
  li a2, VA_512G
  add a1, a1, a2
  li a0, 0
  jalr ra, 0(a1)
  CHECK_EQI a0, 48
  /* misaligned terapage */
  TEST 11
  li a1, VA_512G_BAD + RAM_BASE
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  /* non-canonical in Sv48: bit 47 set, bits 63:48 clear (valid as Sv57, not as Sv48) */
  TEST 12
  li a1, 0x0000800000000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 13
  li a1, 0x0001000040000000        /* would alias VA_4K if bits 63:48 were ignored */
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  TEST 14
  li a1, 0xffff000040000000
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, a1
  /* a VA valid in Sv48 but beyond Sv39 (bit 39 set) translates normally: VA_512G above */
  TEST 15
  GOTO_M
  ld a0, 8(s2)
  CHECK_EQI a0, 0x5151
  ld a0, 0x20(s3)
  CHECK_EQI a0, 0x6161
  call vm_disable
  PASS

leaf:
  li a0, 48
  ret

  .data
  .balign 16
magic:
  .dword 0x0123456789abcdef
  .dword 0
