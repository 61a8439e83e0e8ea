# LR/SC: success, failure without a reservation, failure to a different address,
# the reservation is consumed by SC (success or failure), sign extension of LR.W,
# SC.W writes only 32 bits, aq/rl variants. Failure code is 1 ("unspecified failure").

#include "test.h"

TEST_BEGIN

  # lr.d / sc.d success: rd = 0 and memory updated
  TEST_CASE(1)
  la a1, buf0
  li t0, 0x1122334455667788; sd t0, 0(a1)
  lr.d a4, (a1)
  CHECK_EQ(a4, 0x1122334455667788)
  li a2, 0x0123456789abcdef
  sc.d a5, a2, (a1)
  CHECK_EQ(a5, 0)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x0123456789abcdef)

  # SC right after a successful SC: the reservation was consumed, must fail, memory unchanged
  TEST_CASE(2)
  la a1, buf0
  li a2, 0x5555
  sc.d a5, a2, (a1)
  CHECK_EQ(a5, 1)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x0123456789abcdef)

  # SC with no preceding LR at all (fresh address) fails
  TEST_CASE(3)
  la a1, buf1
  li t0, 99; sd t0, 0(a1)
  li a2, 7
  sc.d a5, a2, (a1)
  CHECK_EQ(a5, 1)
  ld a4, 0(a1)
  CHECK_EQ(a4, 99)

  # SC to a different address (another page) fails ... The spec allows an arbitrarily large
  # reservation set; like QEMU, hv's does not reach into another 4 KiB page, and this is assumed.
  TEST_CASE(4)
  la a1, buf0
  la a3, buf_far
  li t0, 3; sd t0, 0(a3)
  lr.d a4, (a1)
  li a2, 4
  sc.d a5, a2, (a3)
  CHECK_EQ(a5, 1)
  ld a4, 0(a3)
  CHECK_EQ(a4, 3)
  # ... and, being an SC, it invalidated the reservation: an SC to the LR address now fails too
  TEST_CASE(5)
  sc.d a5, a2, (a1)
  CHECK_EQ(a5, 1)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x0123456789abcdef)

  # lr.w sign-extends; sc.w success writes only the addressed word
  TEST_CASE(6)
  la a1, buf2
  li t0, 0xa5a5a5a580000001; sd t0, 0(a1)
  lr.w a4, (a1)
  CHECK_EQ(a4, 0xffffffff80000001)
  TEST_CASE(7)
  li a2, 0x1234567876543210
  sc.w a5, a2, (a1)
  CHECK_EQ(a5, 0)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0xa5a5a5a576543210)
  # the upper word of the doubleword: negative then positive values (sign extension both ways)
  TEST_CASE(8)
  addi a3, a1, 4
  lr.w a4, (a3)
  CHECK_EQ(a4, 0xffffffffa5a5a5a5)
  li a2, 0x7fffffff
  sc.w a5, a2, (a3)
  CHECK_EQ(a5, 0)
  lr.w a4, (a3)
  CHECK_EQ(a4, 0x7fffffff)
  sc.w a5, a2, (a3)
  CHECK_EQ(a5, 0)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x7fffffff76543210)

  # sc.w without reservation fails
  TEST_CASE(9)
  li a2, 0
  sc.w a5, a2, (a1)
  CHECK_EQ(a5, 1)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x7fffffff76543210)

  # a second LR replaces the reservation: SC to the first address fails, to the second succeeds
  TEST_CASE(10)
  la a1, buf0
  la a3, buf_far
  lr.d a4, (a1)
  lr.d a4, (a3)
  CHECK_EQ(a4, 3)
  li a2, 33
  sc.d a5, a2, (a3)
  CHECK_EQ(a5, 0)
  ld a4, 0(a3)
  CHECK_EQ(a4, 33)

  # aq / rl / aqrl variants
  TEST_CASE(11)
  la a1, buf1
  lr.d.aq a4, (a1)
  CHECK_EQ(a4, 99)
  li a2, 100
  sc.d.rl a5, a2, (a1)
  CHECK_EQ(a5, 0)
  TEST_CASE(12)
  lr.d.aqrl a4, (a1)
  CHECK_EQ(a4, 100)
  li a2, 101
  sc.d.aqrl a5, a2, (a1)
  CHECK_EQ(a5, 0)
  TEST_CASE(13)
  lr.w.aq a4, (a1)
  CHECK_EQ(a4, 101)
  li a2, 102
  sc.w.rl a5, a2, (a1)
  CHECK_EQ(a5, 0)
  TEST_CASE(14)
  lr.w.aqrl a4, (a1)
  li a2, 103
  sc.w.aqrl a5, a2, (a1)
  CHECK_EQ(a5, 0)
  ld a4, 0(a1)
  CHECK_EQ(a4, 103)

  # rd == rs2 on sc: the value stored is the old rs2, rd receives the status
  TEST_CASE(15)
  la a1, buf1
  lr.d a4, (a1)
  li a2, 200
  sc.d a2, a2, (a1)
  CHECK_EQ(a2, 0)
  ld a4, 0(a1)
  CHECK_EQ(a4, 200)

  # the canonical atomic-increment loop
  TEST_CASE(16)
  la a1, buf3
  sd zero, 0(a1)
  li a3, 50
1:lr.d a4, (a1)
  addi a4, a4, 3
  sc.d a5, a4, (a1)
  bnez a5, 1b
  addi a3, a3, -1
  bnez a3, 1b
  ld a4, 0(a1)
  CHECK_EQ(a4, 150)

  # sc with rd = x0 still stores on success
  TEST_CASE(17)
  la a1, buf3
  lr.d a4, (a1)
  li a2, 0x77
  sc.d x0, a2, (a1)
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x77)
  mv a4, x0
  CHECK_EQ(a4, 0)

  # Not tested (implementation-defined): mixing LR/SC sizes, a store by the same hart between
  # LR and SC, reservation-set granularity within a page.

TEST_END

TEST_DATA
  .balign 64
buf0: .dword 0
  .balign 64
buf1: .dword 0
  .balign 64
buf2: .dword 0
  .balign 64
buf3: .dword 0
  .balign 4096
buf_far: .dword 0
