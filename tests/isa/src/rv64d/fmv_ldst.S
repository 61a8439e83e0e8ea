# FMV.X.D / FMV.D.X (raw 64-bit moves), FLD / FSD (payloads kept, offsets, misaligned addresses
# which hv emulates, across a page boundary), and FLW/FSW interplay with 64-bit registers.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1); li a1, 0x3ff0000000000000; fmv.d.x f5, a1; fmv.x.d a4, f5; CHECK_EQ(a4, 0x3ff0000000000000)
  TEST_CASE(2); li a1, 0x8000000000000000; fmv.d.x f5, a1; fmv.x.d a4, f5; CHECK_EQ(a4, 0x8000000000000000)
  TEST_CASE(3); li a1, 0x7ff0000000000001; fsflags x0; fmv.d.x f5, a1; fmv.x.d a4, f5; frflags t1; CHECK_EQ(a4, 0x7ff0000000000001); CHECK_EQ(t1, 0)
  TEST_CASE(4); li a1, 0xfff8123456789abc; fmv.d.x f5, a1; fmv.x.d a4, f5; CHECK_EQ(a4, 0xfff8123456789abc)
  TEST_CASE(5); li a1, -1; fmv.d.x f5, a1; fmv.d.x f5, x0; fmv.x.d a4, f5; CHECK_EQ(a4, 0)
  TEST_CASE(6); li a1, 0x0123456789abcdef; fmv.d.x f31, a1; fmv.x.d x0, f31; mv a4, x0; CHECK_EQ(a4, 0)

  # fld / fsd
  TEST_CASE(7); la a1, ddata; fld f5, 0(a1); fmv.x.d a4, f5; CHECK_EQ(a4, 0x400921fb54442d18)
  TEST_CASE(8); la a1, ddata; fld f5, 8(a1); fmv.x.d a4, f5; CHECK_EQ(a4, 0x7ff0000000000001)
  TEST_CASE(9); la a1, ddata_end; fld f5, -8(a1); fmv.x.d a4, f5; CHECK_EQ(a4, 0xfff8000000012345)
  TEST_CASE(10); la a1, ddata; fsflags x0; fld f5, 8(a1); frflags t1; CHECK_EQ(t1, 0)
  TEST_CASE(11); la a1, sbuf; li t0, -1; sd t0, 0(a1); sd t0, 8(a1); sd t0, 16(a1)
  li a2, 0x7ff0000000000001; fmv.d.x f6, a2; fsd f6, 8(a1)
  ld a4, 0(a1); CHECK_EQ(a4, -1); ld a4, 8(a1); CHECK_EQ(a4, 0x7ff0000000000001); ld a4, 16(a1); CHECK_EQ(a4, -1)
  TEST_CASE(12); la a1, sbuf; addi a1, a1, 2047; li a2, 0x1122334455667788; fmv.d.x f6, a2
  fsd f6, -2047(a1); fld f7, -2047(a1); fmv.x.d a4, f7; CHECK_EQ(a4, 0x1122334455667788)

  # flw / fsw on a register holding a double: fsw stores the low word, flw boxes
  TEST_CASE(13); la a1, sbuf; li a2, 0x400921fb54442d18; fmv.d.x f6, a2; fsw f6, 0(a1)
  lwu a4, 0(a1); CHECK_EQ(a4, 0x54442d18)
  TEST_CASE(14); la a1, sbuf; fld f7, 0(a1); flw f7, 0(a1); fmv.x.d a4, f7; CHECK_EQ(a4, 0xffffffff54442d18)

  # misaligned fld / fsd, including across a page boundary
  TEST_CASE(15); la a1, mbuf; fld f5, 3(a1); fmv.x.d a4, f5; CHECK_EQ(a4, 0xaa99887766554433)
  TEST_CASE(16); la a1, page_edge; fld f5, -5(a1); fmv.x.d a4, f5; CHECK_EQ(a4, 0x5b5af6e5d4c3b2a1)
  TEST_CASE(17); la a1, page_edge; li a2, 0x0807060504030201; fmv.d.x f6, a2; fsd f6, -3(a1)
  ld a4, -8(a1); CHECK_EQ(a4, 0x030201b2a1f0e1d2); ld a4, 0(a1); CHECK_EQ(a4, 0x8877660807060504)
  TEST_CASE(18); la a1, page_edge; fld f7, -3(a1); fmv.x.d a4, f7; CHECK_EQ(a4, 0x0807060504030201)

  # fmv.x.w / fmv.w.x on the same register file
  TEST_CASE(19); li a1, 0x400921fb54442d18; fmv.d.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0x54442d18)
  TEST_CASE(20); li a1, 0x00000000c0000000; fmv.w.x f5, a1; fmv.x.d a4, f5; CHECK_EQ(a4, 0xffffffffc0000000)

TEST_END

TEST_DATA
ddata:
  .dword 0x400921fb54442d18, 0x7ff0000000000001, 0xfff8000000012345
ddata_end:
sbuf: .dword 0, 0, 0, 0
mbuf: .byte 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
  .balign 4096
  .skip 4096 - 8
  .byte 0xd2, 0xe1, 0xf0, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5
page_edge:
  .byte 0xf6, 0x5a, 0x5b, 0x5c, 0x5d, 0x66, 0x77, 0x88
