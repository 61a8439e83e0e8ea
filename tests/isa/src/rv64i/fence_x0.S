# FENCE variants execute as ordering no-ops on a single hart; x0 is hard-wired to zero;
# NOP and HINT encodings (writes to x0) have no architectural effect.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1)
  la a1, buf
  li a2, 0x1234
  sd a2, 0(a1)
  fence
  ld a4, 0(a1)
  CHECK_EQ(a4, 0x1234)

  TEST_CASE(2)
  li a4, 5
  fence rw, rw
  fence r, r
  fence w, w
  fence iorw, iorw
  fence i, o
  fence.tso
  CHECK_EQ(a4, 5)

  # FENCE with pred/succ = 0 and reserved fields: must execute as a no-op (treated as a normal fence)
  TEST_CASE(3)
  li a4, 6
  .word 0x0000000f
  .word 0x0ff0000f | (1 << 15) | (1 << 7)
  CHECK_EQ(a4, 6)

  # x0 reads zero and ignores writes from every kind of instruction
  TEST_CASE(4)
  li x0, 1234
  addi x0, x0, 1
  mv a4, x0
  CHECK_EQ(a4, 0)
  TEST_CASE(5)
  la a1, buf
  ld x0, 0(a1)
  add a4, x0, x0
  CHECK_EQ(a4, 0)
  TEST_CASE(6)
  lui x0, 0xfffff
  auipc x0, 0xfffff
  or a4, x0, x0
  CHECK_EQ(a4, 0)
  TEST_CASE(7)
  li a1, -1
  sub a4, x0, a1
  CHECK_EQ(a4, 1)

  # NOP and HINT-space instructions (rd = x0): no effect
  TEST_CASE(8)
  li a4, 9
  nop
  addi x0, a4, 5
  slli x0, a4, 3
  slti x0, a4, 5
  add x0, a4, a4
  CHECK_EQ(a4, 9)

  # every integer register holds a value independently
  TEST_CASE(9)
  li x1, 1; li x2, 2; li x4, 4; li x5, 5; li x6, 6; li x7, 7; li x8, 8; li x9, 9
  li x10, 10; li x11, 11; li x12, 12; li x13, 13; li x14, 14; li x15, 15; li x16, 16
  li x17, 17; li x18, 18; li x19, 19; li x20, 20; li x21, 21; li x22, 22; li x23, 23
  li x24, 24; li x25, 25; li x26, 26; li x27, 27; li x28, 28; li x29, 29; li x30, 30; li x31, 31
  add x1, x1, x2; add x1, x1, x4; add x1, x1, x5; add x1, x1, x6; add x1, x1, x8; add x1, x1, x9
  add x1, x1, x10; add x1, x1, x11; add x1, x1, x12; add x1, x1, x13; add x1, x1, x14; add x1, x1, x15
  add x1, x1, x16; add x1, x1, x17; add x1, x1, x18; add x1, x1, x19; add x1, x1, x20; add x1, x1, x21
  add x1, x1, x22; add x1, x1, x23; add x1, x1, x24; add x1, x1, x25; add x1, x1, x26; add x1, x1, x27
  add x1, x1, x28; add x1, x1, x29; add x1, x1, x30; add x1, x1, x31; add x1, x1, x7
  # 1+2+4+...+31 = 496 - 3 (x3 is gp)
  li x7, 493
  bne x1, x7, hv_fail

TEST_END

TEST_DATA
buf: .dword 0
