/*
 * vm/satp — satp WARL behaviour.
 * Spec 1.12 §4.1.11: "If satp is written with an unsupported MODE, the entire write has no
 * effect; no fields in satp are modified." MODE values 1-7 and 12-15 are reserved; Sv39
 * (8) and Sv48 (9) are what hv supports; Sv64 (11) is not implemented anywhere. ASID is
 * WARL with ASIDLEN implemented low bits: writing all ones reads back 2^ASIDLEN - 1.
 */
#include "priv.h"

#define SV39_VAL ((SATP_MODE_SV39 << SATP_MODE_SHIFT) | 0x80123)
#define SV48_VAL ((SATP_MODE_SV48 << SATP_MODE_SHIFT) | 0x80456)

  .text
  .globl main
main:
  /* Sv39 and Sv48 are supported */
  TEST 3
  li a0, SV39_VAL
  csrw satp, a0
  csrr a1, satp
  CHECK_EQ a0, a1
  TEST 4
  li a0, SV48_VAL
  csrw satp, a0
  csrr a1, satp
  CHECK_EQ a0, a1
  /* reserved MODE 5: nothing changes (not even the PPN) */
  TEST 5
  li a2, (5 << SATP_MODE_SHIFT) | 0x80777
  csrw satp, a2
  csrr a1, satp
  CHECK_EQ a0, a1
  /* reserved MODE 1 and 15 */
  TEST 6
  li a2, (1 << SATP_MODE_SHIFT) | 0x1
  csrw satp, a2
  csrr a1, satp
  CHECK_EQ a0, a1
  li a2, -1
  csrw satp, a2
  csrr a1, satp
  CHECK_EQ a0, a1
  /* Sv64 (11): not supported */
  TEST 7
  li a2, (11 << SATP_MODE_SHIFT) | 0x80999
  csrw satp, a2
  csrr a1, satp
  CHECK_EQ a0, a1
  /* ASID: the implemented bits are the low ones */
  TEST 8
  li a0, SV39_VAL | (0xffff << 44)
  csrw satp, a0
  csrr a1, satp
  srli a2, a1, 44
  li a3, 0xffff
  and a2, a2, a3           /* ASID read back */
  addi a3, a2, 1
  and a3, a3, a2           /* (x + 1) & x == 0 for x = 2^k - 1 */
  CHECK_EQI a3, 0
  /* the other fields were written */
  TEST 9
  li a3, ~(0xffff << 44)
  and a1, a1, a3
  CHECK_EQI a1, SV39_VAL
  /* back to bare */
  TEST 10
  csrw satp, zero
  csrr a1, satp
  CHECK_EQI a1, 0
  /* the same from S-mode (TVM = 0) */
  TEST 11
  GOTO_S
  li a2, (5 << SATP_MODE_SHIFT) | 0x80777
  csrw satp, a2
  csrr a1, satp
  CHECK_EQI a1, 0
  GOTO_M
  PASS
