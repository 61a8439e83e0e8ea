# AUIPC: pc + sign-extended (imm20 << 12).

#include "test.h"

TEST_BEGIN

  TEST_CASE(1)
1:auipc a4, 0
  la a5, 1b
  CHECK_REG(a4, a5)

  TEST_CASE(2)
1:auipc a4, 1
  la a5, 1b
  addi a5, a5, 0x7ff
  addi a5, a5, 0x7ff
  addi a5, a5, 2
  CHECK_REG(a4, a5)

  # negative immediate: pc - 0x80000000 (the high immediate bit sign-extends)
  TEST_CASE(3)
1:auipc a4, 0x80000
  la a5, 1b
  li t0, 0xffffffff80000000
  add a5, a5, t0
  CHECK_REG(a4, a5)

  TEST_CASE(4)
1:auipc a4, 0xfffff
  la a5, 1b
  li t0, -4096
  add a5, a5, t0
  CHECK_REG(a4, a5)

  TEST_CASE(5)
1:auipc a4, 0x7ffff
  la a5, 1b
  li t0, 0x7ffff000
  add a5, a5, t0
  CHECK_REG(a4, a5)

  # two consecutive auipc differ by 4
  TEST_CASE(6)
  auipc a4, 0
  auipc a5, 0
  sub a5, a5, a4
  CHECK_EQ(a5, 4)

  # auipc + jalr reaches a label (the call idiom), auipc + addi gives its address
  TEST_CASE(7)
1:auipc a4, %pcrel_hi(2f)
  addi a4, a4, %pcrel_lo(1b)
  la a5, 2f
  CHECK_REG(a4, a5)
  j 3f
2:j hv_fail
3:
  TEST_CASE(8)
  auipc x0, 0x12345
  mv a4, x0
  CHECK_EQ(a4, 0)

TEST_END
