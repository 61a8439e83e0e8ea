# Reserved compressed encodings raise illegal-instruction with mtval = the 16 instruction bits
# (zero-extended) and mepc = the instruction's address.

#include "test.h"

TEST_BEGIN
  .option push
  .option rvc

  # the all-zeros halfword is defined to be illegal (also c.addi4spn with nzuimm = 0)
  TEST_ILLEGAL16(1, 0x0000)
  # c.addi4spn with nzuimm = 0 and rd' = x9 / x15
  TEST_ILLEGAL16(2, 0x0004)
  TEST_ILLEGAL16(3, 0x001c)
  # c.lwsp with rd = x0 (with and without an offset)
  TEST_ILLEGAL16(4, 0x4002)
  TEST_ILLEGAL16(5, 0x5076)
  # c.ldsp with rd = x0
  TEST_ILLEGAL16(6, 0x6002)
  TEST_ILLEGAL16(7, 0x7006)
  # c.jr with rs1 = x0
  TEST_ILLEGAL16(8, 0x8002)
  # c.lui with nzimm = 0 (rd = a0, rd = x1)
  TEST_ILLEGAL16(9, 0x6501)
  TEST_ILLEGAL16(10, 0x6081)
  # c.addi16sp (c.lui with rd = x2) with nzimm = 0
  TEST_ILLEGAL16(11, 0x6101)
  # c.addiw with rd = x0
  TEST_ILLEGAL16(12, 0x2001)
  TEST_ILLEGAL16(13, 0x2005)
  # reserved CA-format encodings (funct6 100111 with funct2 10 / 11)
  TEST_ILLEGAL16(14, 0x9c41)
  TEST_ILLEGAL16(15, 0x9c61)
  # reserved quadrant-0 funct3 = 100
  TEST_ILLEGAL16(16, 0x8000)
  TEST_ILLEGAL16(17, 0x9ffc)

  # sanity: the neighbouring legal encodings execute (c.addi4spn a1, sp, 4; c.lwsp ra, 0(sp);
  # c.jr ra-form via c.mv; c.lui a0, 1)
  TEST_CASE(18); mv s3, sp; la sp, buf
  .half 0x004c          # c.addi4spn a1, sp, 4
  la t0, buf; addi t0, t0, 4; CHECK_REG(a1, t0)
  .half 0x4082          # c.lwsp ra, 0(sp)
  CHECK_EQ(ra, 0x11223344)
  .half 0x6505          # c.lui a0, 1
  CHECK_EQ(a0, 0x1000)
  mv sp, s3

  .option pop
TEST_END

TEST_DATA
buf: .word 0x11223344, 0
