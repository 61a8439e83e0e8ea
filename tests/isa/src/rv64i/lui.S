# LUI: 20-bit immediate into bits 31:12, sign-extended from bit 31 to 64 bits.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1); lui a4, 0x00000; CHECK_EQ(a4, 0)
  TEST_CASE(2); lui a4, 0x00001; CHECK_EQ(a4, 0x1000)
  TEST_CASE(3); lui a4, 0x7ffff; CHECK_EQ(a4, 0x000000007ffff000)
  TEST_CASE(4); lui a4, 0x80000; CHECK_EQ(a4, 0xffffffff80000000)
  TEST_CASE(5); lui a4, 0xfffff; CHECK_EQ(a4, 0xfffffffffffff000)
  TEST_CASE(6); lui a4, 0x12345; CHECK_EQ(a4, 0x0000000012345000)
  TEST_CASE(7); lui a4, 0xabcde; CHECK_EQ(a4, 0xffffffffabcde000)
  # the low 12 bits are cleared, whatever the register held before
  TEST_CASE(8); li a4, -1; lui a4, 0x00010; CHECK_EQ(a4, 0x10000)
  # lui followed by addi (the usual 32-bit constant idiom), incl. the negative-low-part carry
  TEST_CASE(9); lui a4, 0x12345; addi a4, a4, 0x678; CHECK_EQ(a4, 0x12345678)
  TEST_CASE(10); lui a4, 0x12346; addi a4, a4, -0x800; CHECK_EQ(a4, 0x12345800)
  TEST_CASE(11); lui a4, 0x80000; addiw a4, a4, -1; CHECK_EQ(a4, 0x7fffffff)
  TEST_CASE(12); lui a4, 0x80000; srai a4, a4, 12; CHECK_EQ(a4, 0xfffffffffff80000)
  # rd = x0 has no effect
  TEST_CASE(13); lui x0, 0x80000; mv a4, x0; CHECK_EQ(a4, 0)
  # every bit of the immediate
  TEST_CASE(14); lui a4, 0x55555; CHECK_EQ(a4, 0x0000000055555000)
  TEST_CASE(15); lui a4, 0xaaaaa; CHECK_EQ(a4, 0xffffffffaaaaa000)

TEST_END
