# JALR: target = (rs1 + imm) & ~1, rd = pc + 4 (written after reading rs1).

#include "test.h"

TEST_BEGIN

  TEST_CASE(1)
  la a1, 2f
1:jalr ra, 0(a1)
3:j hv_fail
2:la a5, 3b
  CHECK_REG(ra, a5)

  # positive and negative offsets
  TEST_CASE(2)
  la a1, 2f
  addi a1, a1, -16
  jalr a4, 16(a1)
3:j hv_fail
2:la a5, 3b
  CHECK_REG(a4, a5)

  TEST_CASE(3)
  la a1, 2f
  addi a1, a1, 100
  jalr a4, -100(a1)
  j hv_fail
2:

  # the low bit of the target is cleared: odd rs1
  TEST_CASE(4)
  la a1, 2f
  addi a1, a1, 1
  jalr a4, 0(a1)
  j hv_fail
2:

  # the low bit of the target is cleared: odd immediate
  TEST_CASE(5)
  la a1, 2f
  jalr a4, 1(a1)
  j hv_fail
2:

  # odd rs1 + odd imm = even target, no clearing needed (target + 2 must not be taken)
  TEST_CASE(6)
  la a1, 2f
  addi a1, a1, -1
  jalr a4, 1(a1)
  j hv_fail
2:

  # rd == rs1: the target uses the old value of rs1
  TEST_CASE(7)
  la a1, 2f
1:jalr a1, 0(a1)
3:j hv_fail
2:la a5, 3b
  CHECK_REG(a1, a5)

  # rd = x0 (jr / ret form)
  TEST_CASE(8)
  la a1, 2f
  jalr x0, 0(a1)
  j hv_fail
2:mv a4, x0
  CHECK_EQ(a4, 0)

  # rs1 = x0 with an absolute target is not usable here (code at 0x80000000); rs1 = ra: call/ret
  TEST_CASE(9)
  li a4, 0
  la a1, sub1
  jalr ra, 0(a1)
  addi a4, a4, 10
  CHECK_EQ(a4, 11)
  j 9f
sub1:
  addi a4, a4, 1
  jalr x0, 0(ra)
9:

  # maximum immediates
  TEST_CASE(10)
  la a1, 2f
  addi a1, a1, -2047
  jalr a4, 2047(a1)
  j hv_fail
2:
  TEST_CASE(11)
  la a1, 2f
  li t0, 2048
  add a1, a1, t0
  jalr a4, -2048(a1)
  j hv_fail
2:

  # the instruction after jalr is not executed
  TEST_CASE(12)
  li a4, 1
  la a1, 2f
  jalr x0, 0(a1)
  li a4, 2
2:CHECK_EQ(a4, 1)

TEST_END
