# FMV.X.W / FMV.W.X (raw bit moves, sign extension into x), FLW / FSW (no canonicalization of
# NaN payloads, offsets, misaligned addresses which hv emulates), neighbours untouched by FSW.

#include "test.h"

TEST_BEGIN

  # fmv.w.x / fmv.x.w round trip; fmv.x.w sign-extends bit 31
  TEST_CASE(1); li a1, 0x3f800000; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0x3f800000)
  TEST_CASE(2); li a1, 0xbf800000; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffffbf800000)
  TEST_CASE(3); li a1, 0x80000000; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffff80000000)
  TEST_CASE(4); li a1, 0x7fffffff; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0x7fffffff)
  # NaN payloads pass through untouched (sNaN too, no flags)
  TEST_CASE(5); li a1, 0x7f800001; fsflags x0; fmv.w.x f5, a1; fmv.x.w a4, f5; frflags t1; CHECK_EQ(a4, 0x7f800001); CHECK_EQ(t1, 0)
  TEST_CASE(6); li a1, 0xffc12345; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffffffc12345)
  # fmv.w.x ignores the upper half of rs1
  TEST_CASE(7); li a1, 0x123456780000abcd; fmv.w.x f5, a1; fmv.x.w a4, f5; CHECK_EQ(a4, 0xabcd)
  # x0 source: +0.0
  TEST_CASE(8); li a1, -1; fmv.w.x f5, a1; fmv.w.x f5, x0; fmv.x.d a4, f5; CHECK_EQ(a4, BOX32(0))
  # every f register is distinct
  TEST_CASE(9)
  li a1, 1; fmv.w.x f0, a1; li a1, 2; fmv.w.x f31, a1; li a1, 3; fmv.w.x f16, a1
  fmv.x.w a4, f0; CHECK_EQ(a4, 1); fmv.x.w a4, f31; CHECK_EQ(a4, 2); fmv.x.w a4, f16; CHECK_EQ(a4, 3)

  # flw: positive/negative offsets, NaN payloads kept
  TEST_CASE(10); la a1, fdata; flw f5, 0(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0x3f800000)
  TEST_CASE(11); la a1, fdata; flw f5, 4(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffffc0490fdb)
  TEST_CASE(12); la a1, fdata; flw f5, 8(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0x7f800001)
  TEST_CASE(13); la a1, fdata_end; flw f5, -4(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffffff812345)
  TEST_CASE(14); la a1, fdata; fsflags x0; flw f5, 8(a1); frflags t1; CHECK_EQ(t1, 0)

  # fsw: stores exactly 4 bytes; payload kept
  TEST_CASE(15); la a1, sbuf; li t0, -1; sd t0, 0(a1); sd t0, 8(a1)
  li a2, 0x7f800001; fmv.w.x f6, a2; fsw f6, 4(a1)
  ld a4, 0(a1); CHECK_EQ(a4, 0x7f800001ffffffff); ld a4, 8(a1); CHECK_EQ(a4, -1)
  TEST_CASE(16); la a1, sbuf; addi a1, a1, 16
  li a2, 0x3f800000; fmv.w.x f6, a2; fsw f6, -16(a1)
  addi a1, a1, -16; ld a4, 0(a1); CHECK_EQ(a4, 0x7f8000013f800000)
  # fsw then flw round trip through memory
  TEST_CASE(17); la a1, sbuf; li a2, 0x00000001; fmv.w.x f6, a2; fsw f6, 8(a1); flw f7, 8(a1); fmv.x.d a4, f7; CHECK_EQ(a4, BOX32(1))

  # misaligned flw / fsw (emulated by hv), including across a page boundary
  TEST_CASE(18); la a1, mbuf; flw f5, 1(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0x44332211)
  TEST_CASE(19); la a1, mbuf; flw f5, 6(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffff99887766)
  TEST_CASE(20); la a1, page_edge; flw f5, -2(a1); fmv.x.w a4, f5; CHECK_EQ(a4, 0xffffffffd4c3b2a1)
  TEST_CASE(21); la a1, page_edge; li a2, 0x13579bdf; fmv.w.x f6, a2; fsw f6, -3(a1)
  lbu a4, -3(a1); CHECK_EQ(a4, 0xdf); lbu a4, -2(a1); CHECK_EQ(a4, 0x9b); lbu a4, -1(a1); CHECK_EQ(a4, 0x57); lbu a4, 0(a1); CHECK_EQ(a4, 0x13)
  lbu a4, 1(a1); CHECK_EQ(a4, 0xd4); lbu a4, -4(a1); CHECK_EQ(a4, 0x5a)

TEST_END

TEST_DATA
fdata:
  .word 0x3f800000, 0xc0490fdb, 0x7f800001, 0xff812345
fdata_end:
  .balign 8
sbuf: .dword 0, 0, 0
mbuf: .byte 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
  .balign 4096
  .skip 4096 - 4
  .byte 0x5a, 0x5a, 0xa1, 0xb2
page_edge:
  .byte 0xc3, 0xd4, 0xe5, 0xf6
