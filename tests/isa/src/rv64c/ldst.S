# RV64C loads and stores: c.lw, c.ld, c.sw, c.sd, c.fld, c.fsd (register-based, zero-extended
# scaled offsets) and c.lwsp, c.ldsp, c.swsp, c.sdsp, c.fldsp, c.fsdsp (sp-based), at the
# smallest and largest offsets; c.lw sign-extends.

#include "test.h"

TEST_BEGIN
  .option push
  .option rvc

  la s0, cbuf
  mv s3, sp
  la sp, cbuf

  TEST_CASE(1); c.lw a0, 0(s0); CHECK_EQ(a0, 0xffffffff80000001)
  TEST_CASE(2); c.lw a1, 4(s0); CHECK_EQ(a1, 0x7ffffffe)
  TEST_CASE(3); c.lw a2, 124(s0); CHECK_EQ(a2, 0xffffffffcafef00d)
  TEST_CASE(4); c.ld a3, 0(s0); CHECK_EQ(a3, 0x7ffffffe80000001)
  TEST_CASE(5); c.ld a4, 248(s0); CHECK_EQ(a4, 0x0123456789abcdef)
  TEST_CASE(6); c.fld f8, 248(s0); fmv.x.d a5, f8; CHECK_EQ(a5, 0x0123456789abcdef)
  TEST_CASE(7); c.fld f15, 8(s0); fmv.x.d a5, f15; CHECK_EQ(a5, 0x3ff8000000000000)

  # stores, read back with full-width loads (neighbours preserved)
  TEST_CASE(8); li a0, 0x1111111122222222; c.sw a0, 16(s0); ld a1, 16(s0); CHECK_EQ(a1, 0x5a5a5a5a22222222)
  TEST_CASE(9); li a0, 0x3333333344444444; c.sw a0, 120(s0); lwu a1, 120(s0); CHECK_EQ(a1, 0x44444444); lw a1, 124(s0); CHECK_EQ(a1, 0xffffffffcafef00d)
  TEST_CASE(10); li a0, 0x5555666677778888; c.sd a0, 24(s0); ld a1, 24(s0); CHECK_EQ(a1, 0x5555666677778888)
  TEST_CASE(11); li a0, 0x0f0f0f0f0f0f0f0f; c.sd a0, 240(s0); ld a1, 240(s0); CHECK_EQ(a1, 0x0f0f0f0f0f0f0f0f); ld a1, 248(s0); CHECK_EQ(a1, 0x0123456789abcdef)
  TEST_CASE(12); li a0, 0x4005bf0a8b145769; fmv.d.x f9, a0; c.fsd f9, 32(s0); ld a1, 32(s0); CHECK_EQ(a1, 0x4005bf0a8b145769)
  TEST_CASE(13); c.fsd f9, 232(s0); ld a1, 232(s0); CHECK_EQ(a1, 0x4005bf0a8b145769)

  # sp-based
  TEST_CASE(14); c.lwsp a0, 0(sp); CHECK_EQ(a0, 0xffffffff80000001)
  TEST_CASE(15); c.lwsp t6, 252(sp); CHECK_EQ(t6, 0x01234567)
  TEST_CASE(16); c.ldsp ra, 504(sp); CHECK_EQ(ra, 0xfedcba9876543210)
  TEST_CASE(17); c.ldsp s11, 8(sp); CHECK_EQ(s11, 0x3ff8000000000000)
  TEST_CASE(18); c.fldsp f31, 504(sp); fmv.x.d a0, f31; CHECK_EQ(a0, 0xfedcba9876543210)
  TEST_CASE(19); c.fldsp f0, 0(sp); fmv.x.d a0, f0; CHECK_EQ(a0, 0x7ffffffe80000001)
  TEST_CASE(20); li t0, 0x9999999988888888; c.swsp t0, 248(sp); ld a0, 248(sp); CHECK_EQ(a0, 0x0123456788888888)
  TEST_CASE(21); li t0, 0x7777777766666666; c.swsp t0, 40(sp); lw a0, 40(sp); CHECK_EQ(a0, 0x66666666)
  TEST_CASE(22); li t1, 0x0102030405060708; c.sdsp t1, 496(sp); ld a0, 496(sp); CHECK_EQ(a0, 0x0102030405060708); ld a0, 504(sp); CHECK_EQ(a0, 0xfedcba9876543210)
  TEST_CASE(23); li t1, 0xa0a0a0a0b0b0b0b0; c.sdsp t1, 48(sp); ld a0, 48(sp); CHECK_EQ(a0, 0xa0a0a0a0b0b0b0b0)
  TEST_CASE(24); li t1, 0xc00921fb54442d18; fmv.d.x f20, t1; c.fsdsp f20, 488(sp); ld a0, 488(sp); CHECK_EQ(a0, 0xc00921fb54442d18)
  TEST_CASE(25); c.fsdsp f20, 56(sp); fld f21, 56(sp); fmv.x.d a0, f21; CHECK_EQ(a0, 0xc00921fb54442d18)

  mv sp, s3
  .option pop
TEST_END

TEST_DATA
  .balign 8
cbuf:
  .word 0x80000001, 0x7ffffffe           # 0
  .dword 0x3ff8000000000000               # 8
  .fill 104, 1, 0x5a                      # 16..119
  .word 0x5a5a5a5a, 0xcafef00d            # 120, 124
  .fill 120, 1, 0x5a                      # 128..247
  .dword 0x0123456789abcdef               # 248
  .fill 240, 1, 0x5a                      # 256..495
  .dword 0                                # 496
  .dword 0xfedcba9876543210               # 504
