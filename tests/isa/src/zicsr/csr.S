# Zicsr: CSRRW/CSRRS/CSRRC and the immediate forms on mscratch (read old value / write new),
# rd = x0 and rs1 = x0 special cases, rd == rs1, 5-bit zero-extended immediates; misa basics.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1); li a1, 0x0123456789abcdef; csrw mscratch, a1; csrr a4, mscratch; CHECK_EQ(a4, 0x0123456789abcdef)
  # csrrw returns the old value
  TEST_CASE(2); li a1, 0xfedcba9876543210; csrrw a4, mscratch, a1; CHECK_EQ(a4, 0x0123456789abcdef)
  csrr a4, mscratch; CHECK_EQ(a4, 0xfedcba9876543210)
  # csrrs: set bits, old value returned
  TEST_CASE(3); li a1, 0; csrw mscratch, a1; li a1, 0x8000000000000011; csrrs a4, mscratch, a1; CHECK_EQ(a4, 0)
  csrr a4, mscratch; CHECK_EQ(a4, 0x8000000000000011)
  TEST_CASE(4); li a1, 0x0f00; csrrs a4, mscratch, a1; CHECK_EQ(a4, 0x8000000000000011)
  csrr a4, mscratch; CHECK_EQ(a4, 0x8000000000000f11)
  # csrrc: clear bits
  TEST_CASE(5); li a1, 0x8000000000000101; csrrc a4, mscratch, a1; CHECK_EQ(a4, 0x8000000000000f11)
  csrr a4, mscratch; CHECK_EQ(a4, 0x0000000000000e10)
  # immediate forms: uimm is 5 bits, zero-extended
  TEST_CASE(6); csrrwi a4, mscratch, 31; CHECK_EQ(a4, 0xe10); csrr a4, mscratch; CHECK_EQ(a4, 31)
  TEST_CASE(7); li a1, -1; csrw mscratch, a1; csrrci a4, mscratch, 0x15; CHECK_EQ(a4, -1); csrr a4, mscratch; CHECK_EQ(a4, 0xffffffffffffffea)
  TEST_CASE(8); csrw mscratch, zero; csrrsi a4, mscratch, 0x10; CHECK_EQ(a4, 0); csrr a4, mscratch; CHECK_EQ(a4, 0x10)
  TEST_CASE(9); csrrsi a4, mscratch, 0; CHECK_EQ(a4, 0x10); csrrci a4, mscratch, 0; CHECK_EQ(a4, 0x10); csrr a4, mscratch; CHECK_EQ(a4, 0x10)
  # rd = x0: the write still happens
  TEST_CASE(10); li a1, 0x55; csrrw x0, mscratch, a1; csrr a4, mscratch; CHECK_EQ(a4, 0x55); mv a4, x0; CHECK_EQ(a4, 0)
  TEST_CASE(11); li a1, 0xaa; csrrs x0, mscratch, a1; csrr a4, mscratch; CHECK_EQ(a4, 0xff)
  TEST_CASE(12); li a1, 0x0f; csrrc x0, mscratch, a1; csrr a4, mscratch; CHECK_EQ(a4, 0xf0)
  # rd == rs1: swap through one register
  TEST_CASE(13); li a1, 0x1234; csrrw a1, mscratch, a1; CHECK_EQ(a1, 0xf0); csrr a4, mscratch; CHECK_EQ(a4, 0x1234)
  TEST_CASE(14); li a1, 0x0003; csrrs a1, mscratch, a1; CHECK_EQ(a1, 0x1234); csrr a4, mscratch; CHECK_EQ(a4, 0x1237)
  TEST_CASE(15); li a1, 0x1030; csrrc a1, mscratch, a1; CHECK_EQ(a1, 0x1237); csrr a4, mscratch; CHECK_EQ(a4, 0x0207)
  # rs1 = x0 with csrrs / csrrc: pure read
  TEST_CASE(16); csrrs a4, mscratch, x0; CHECK_EQ(a4, 0x0207); csrrc a4, mscratch, x0; CHECK_EQ(a4, 0x0207)
  # csrrw x0 with x0: writes zero
  TEST_CASE(17); csrrw x0, mscratch, x0; csrr a4, mscratch; CHECK_EQ(a4, 0)

  # misa: MXL = 2 (64-bit) and I, M, A, F, D, C present
  TEST_CASE(18); csrr a4, misa; srli a5, a4, 62; CHECK_EQ(a5, 2)
  li t0, (1 << ('I' - 'A')) | (1 << ('M' - 'A')) | (1 << ('A' - 'A')) | (1 << ('F' - 'A')) | (1 << ('D' - 'A')) | (1 << ('C' - 'A'))
  and a5, a4, t0; CHECK_REG(a5, t0)

  # mhartid reads 0 on a single-hart machine
  TEST_CASE(19); csrr a4, mhartid; CHECK_EQ(a4, 0)

TEST_END
