# RV64C integer computational instructions, written with explicit c. mnemonics:
# c.li, c.lui, c.addi, c.addiw, c.addi16sp, c.addi4spn, c.slli, c.srli, c.srai, c.andi,
# c.mv, c.add, c.sub, c.xor, c.or, c.and, c.subw, c.addw, c.nop and HINT forms.

#include "test.h"

TEST_BEGIN
  .option push
  .option rvc

  # c.li: 6-bit sign-extended immediate
  TEST_CASE(1); li a0, 0x5555; c.li a0, 31; CHECK_EQ(a0, 31)
  TEST_CASE(2); c.li a0, -32; CHECK_EQ(a0, -32)
  TEST_CASE(3); c.li s1, -1; CHECK_EQ(s1, -1)
  TEST_CASE(4); c.li t6, 0; CHECK_EQ(t6, 0)

  # c.lui: nzimm[17:12], sign-extended from bit 17
  TEST_CASE(5); c.lui a0, 1; CHECK_EQ(a0, 0x1000)
  TEST_CASE(6); c.lui a0, 31; CHECK_EQ(a0, 0x1f000)
  TEST_CASE(7); c.lui a0, 0xfffff; CHECK_EQ(a0, 0xfffffffffffff000)
  TEST_CASE(8); c.lui s11, 0xfffe0; CHECK_EQ(s11, 0xfffffffffffe0000)

  # c.addi: nonzero 6-bit signed immediate, 64-bit wrap
  TEST_CASE(9); li a0, 100; c.addi a0, 31; CHECK_EQ(a0, 131)
  TEST_CASE(10); li a0, 100; c.addi a0, -32; CHECK_EQ(a0, 68)
  TEST_CASE(11); li a0, 0x7fffffffffffffff; c.addi a0, 1; CHECK_EQ(a0, 0x8000000000000000)
  TEST_CASE(12); li t4, 0xffffffff; c.addi t4, 1; CHECK_EQ(t4, 0x100000000)

  # c.addiw: 32-bit add, sign-extended (c.addiw rd, 0 is sext.w)
  TEST_CASE(13); li a0, 0x7fffffff; c.addiw a0, 1; CHECK_EQ(a0, 0xffffffff80000000)
  TEST_CASE(14); li a0, 0x1234567800000000; c.addiw a0, -1; CHECK_EQ(a0, -1)
  TEST_CASE(15); li a0, 0x00000000deadbeef; c.addiw a0, 0; CHECK_EQ(a0, 0xffffffffdeadbeef)
  TEST_CASE(16); li s2, 0xffffffff7ffffff0; c.addiw s2, 31; CHECK_EQ(s2, 0xffffffff8000000f)

  # c.addi16sp: sp += nzimm (multiple of 16, -512..496)
  TEST_CASE(17); mv s3, sp; li sp, 0x10000; c.addi16sp sp, -512; mv a0, sp; mv sp, s3; CHECK_EQ(a0, 0x10000 - 512)
  TEST_CASE(18); mv s3, sp; li sp, 0x10000; c.addi16sp sp, 496; mv a0, sp; mv sp, s3; CHECK_EQ(a0, 0x10000 + 496)
  TEST_CASE(19); mv s3, sp; li sp, 0x10000; c.addi16sp sp, 16; mv a0, sp; mv sp, s3; CHECK_EQ(a0, 0x10010)

  # c.addi4spn: rd' = sp + nzuimm (multiple of 4, 4..1020)
  TEST_CASE(20); mv s3, sp; li sp, 0x20000; c.addi4spn a0, sp, 4; mv sp, s3; CHECK_EQ(a0, 0x20004)
  TEST_CASE(21); mv s3, sp; li sp, 0x20000; c.addi4spn s0, sp, 1020; mv sp, s3; CHECK_EQ(s0, 0x20000 + 1020)
  TEST_CASE(22); mv s3, sp; li sp, 0x20000; c.addi4spn a5, sp, 520; mv sp, s3; CHECK_EQ(a5, 0x20000 + 520)

  # c.slli / c.srli / c.srai: 6-bit shift amounts (1..63)
  TEST_CASE(23); li a0, 1; c.slli a0, 63; CHECK_EQ(a0, 0x8000000000000000)
  TEST_CASE(24); li t5, 0x0123456789abcdef; c.slli t5, 32; CHECK_EQ(t5, 0x89abcdef00000000)
  TEST_CASE(25); li a0, 0x8000000000000000; c.srli a0, 63; CHECK_EQ(a0, 1)
  TEST_CASE(26); li a0, 0xfedcba9876543210; c.srli a0, 32; CHECK_EQ(a0, 0xfedcba98)
  TEST_CASE(27); li a0, 0x8000000000000000; c.srai a0, 63; CHECK_EQ(a0, -1)
  TEST_CASE(28); li s1, 0xfedcba9876543210; c.srai s1, 4; CHECK_EQ(s1, 0xffedcba987654321)
  TEST_CASE(29); li a5, 0x7edcba9876543210; c.srai a5, 1; CHECK_EQ(a5, 0x3f6e5d4c3b2a1908)

  # c.andi: 6-bit sign-extended immediate
  TEST_CASE(30); li a0, 0x0123456789abcdef; c.andi a0, -32; CHECK_EQ(a0, 0x0123456789abcde0)
  TEST_CASE(31); li a0, 0x0123456789abcdef; c.andi a0, 31; CHECK_EQ(a0, 0xf)
  TEST_CASE(32); li a0, 0x0123456789abcdef; c.andi a0, 0; CHECK_EQ(a0, 0)

  # c.mv / c.add
  TEST_CASE(33); li t0, 0x1122334455667788; c.mv a0, t0; CHECK_EQ(a0, 0x1122334455667788)
  TEST_CASE(34); li s4, 0x5; li t1, -7; c.add s4, t1; CHECK_EQ(s4, -2)
  TEST_CASE(35); li a0, 0x7fffffffffffffff; c.add a0, a0; CHECK_EQ(a0, 0xfffffffffffffffe)

  # c.sub / c.xor / c.or / c.and (rd', rs2' in x8..x15)
  TEST_CASE(36); li a0, 10; li a1, 25; c.sub a0, a1; CHECK_EQ(a0, -15)
  TEST_CASE(37); li s0, 0xff00ff00ff00ff00; li s1, 0x0ff00ff00ff00ff0; c.xor s0, s1; CHECK_EQ(s0, 0xf0f0f0f0f0f0f0f0)
  TEST_CASE(38); li a2, 0xff00ff00ff00ff00; li a3, 0x0ff00ff00ff00ff0; c.or a2, a3; CHECK_EQ(a2, 0xfff0fff0fff0fff0)
  TEST_CASE(39); li a4, 0xff00ff00ff00ff00; li a5, 0x0ff00ff00ff00ff0; c.and a4, a5; CHECK_EQ(a4, 0x0f000f000f000f00)

  # c.subw / c.addw: 32-bit, sign-extended
  TEST_CASE(40); li a0, 0x7fffffff; li a1, 1; c.addw a0, a1; CHECK_EQ(a0, 0xffffffff80000000)
  TEST_CASE(41); li a0, 0xaaaaaaaa00000003; li a1, 0x5555555500000005; c.addw a0, a1; CHECK_EQ(a0, 8)
  TEST_CASE(42); li a0, 0x80000000; li a1, 1; c.subw a0, a1; CHECK_EQ(a0, 0x7fffffff)
  TEST_CASE(43); li s0, 0; li s1, 1; c.subw s0, s1; CHECK_EQ(s0, -1)

  # c.nop and HINTs (rd = x0 forms) change nothing
  TEST_CASE(44); li a0, 1234; c.nop; c.addi x0, 5; c.li x0, 7; c.mv x0, a0; c.add x0, a0; c.slli x0, 3; c.lui x0, 4
  mv a1, x0; CHECK_EQ(a1, 0); CHECK_EQ(a0, 1234)
  # c.nop with a nonzero immediate (HINT) and c.slli64-style shamt 0 forms via raw encodings
  TEST_CASE(45); li a0, 77
  .half 0x0005        # c.nop 1 (HINT)
  .half 0x0502        # c.slli a0, 0 (HINT in RV64: rd unchanged)
  .half 0x8101        # c.srli a0, 0 (HINT in RV64)
  CHECK_EQ(a0, 77)

  # all of the above really assembled to 16-bit encodings: two c.addi back to back are 4 bytes
  TEST_CASE(46)
1:c.addi a0, 1
  c.addi a0, 1
2:la t0, 1b; la t1, 2b; sub t1, t1, t0; CHECK_EQ(t1, 4)

  .option pop
TEST_END
