# JAL: rd = pc + 4, pc += sign-extended offset (forward, backward, rd = x0, other rd).

#include "test.h"

TEST_BEGIN

  # link register holds the address of the following instruction
  TEST_CASE(1)
  li ra, 0
1:jal ra, 2f
3:j hv_fail
2:la a5, 3b
  CHECK_REG(ra, a5)

  # rd other than ra
  TEST_CASE(2)
  li a4, 0
1:jal a4, 2f
3:j hv_fail
2:la a5, 3b
  CHECK_REG(a4, a5)

  # rd = x0 (plain jump) does not write x0
  TEST_CASE(3)
  jal x0, 2f
  j hv_fail
2:mv a4, x0
  CHECK_EQ(a4, 0)

  # backward jump
  TEST_CASE(4)
  li a4, 0
  j 2f
1:addi a4, a4, 1
  j 3f
2:jal a3, 1b
4:j hv_fail
3:CHECK_EQ(a4, 1)
  la a5, 4b
  CHECK_REG(a3, a5)

  # instructions after a taken jal are not executed
  TEST_CASE(5)
  li a4, 7
  jal x0, 1f
  li a4, 8
  li a4, 9
1:CHECK_EQ(a4, 7)

  # a long jump (well beyond the branch range)
  TEST_CASE(6)
  li a4, 0
  jal a2, far_target
far_back:
  CHECK_EQ(a4, 0x55)

  # the return works through the link (call/ret)
  TEST_CASE(7)
  li a4, 0
  jal ra, sub1
  addi a4, a4, 2
  CHECK_EQ(a4, 3)
  j 9f
sub1:
  addi a4, a4, 1
  ret
9:

  j after_far
  .skip 40000
far_target:
  li a4, 0x55
  jalr x0, 0(a2)
after_far:

TEST_END
