# Zicntr / Zihpm: cycle, instret and time are readable (rdcycle/rdinstret/rdtime) and increase;
# instret counts at least the instructions retired in a loop; hpmcounter3..31 read as zero; the
# RV32-only *h counter CSRs do not exist in RV64 (illegal instruction).
#
# QEMU-SPIKE-EXPECT-FAIL: 40 (QEMU 7.2's spike machine provides no time source, so rdtime raises
# illegal-instruction there; the unprivileged spec (Zicntr) requires time to be readable)

#include "test.h"

#define HPM_ZERO(n, csr) TEST_CASE(n); li a4, -1; csrr a4, csr; CHECK_EQ(a4, 0)

TEST_BEGIN

  # cycle increases
  TEST_CASE(1); rdcycle a1; li t0, 100
1:addi t0, t0, -1; bnez t0, 1b
  rdcycle a2; bgeu a1, a2, hv_fail
  # instret increases by at least the number of instructions in between
  TEST_CASE(2); rdinstret a1; li t0, 100
1:addi t0, t0, -1; bnez t0, 1b
  rdinstret a2; sub a3, a2, a1; li t1, 200; bltu a3, t1, hv_fail
  # csrr forms of the same CSRs
  TEST_CASE(3); csrr a1, instret; csrr a2, instret; bgeu a1, a2, hv_fail
  TEST_CASE(4); csrr a1, cycle; nop; nop; csrr a2, cycle; bltu a2, a1, hv_fail
  # reading a counter with csrrs/csrrc rs1 = x0 (and csrrsi/csrrci uimm = 0) is a pure read
  TEST_CASE(5); csrrs a1, instret, x0; csrrc a2, instret, x0; csrrsi a3, instret, 0; csrrci a4, instret, 0
  bgeu a1, a2, hv_fail; bgeu a2, a3, hv_fail; bgeu a3, a4, hv_fail
  # mcycle / minstret (the M-mode views) track the same counters
  TEST_CASE(6); csrr a1, minstret; rdinstret a2; bgeu a1, a2, hv_fail; sub a3, a2, a1; li t1, 1 << 20; bgeu a3, t1, hv_fail

  # hpmcounter3..31
  HPM_ZERO(7, hpmcounter3)
  HPM_ZERO(8, hpmcounter4)
  HPM_ZERO(9, hpmcounter5)
  HPM_ZERO(10, hpmcounter6)
  HPM_ZERO(11, hpmcounter7)
  HPM_ZERO(12, hpmcounter8)
  HPM_ZERO(13, hpmcounter9)
  HPM_ZERO(14, hpmcounter10)
  HPM_ZERO(15, hpmcounter11)
  HPM_ZERO(16, hpmcounter12)
  HPM_ZERO(17, hpmcounter13)
  HPM_ZERO(18, hpmcounter14)
  HPM_ZERO(19, hpmcounter15)
  HPM_ZERO(20, hpmcounter16)
  HPM_ZERO(21, hpmcounter17)
  HPM_ZERO(22, hpmcounter18)
  HPM_ZERO(23, hpmcounter19)
  HPM_ZERO(24, hpmcounter20)
  HPM_ZERO(25, hpmcounter21)
  HPM_ZERO(26, hpmcounter22)
  HPM_ZERO(27, hpmcounter23)
  HPM_ZERO(28, hpmcounter24)
  HPM_ZERO(29, hpmcounter25)
  HPM_ZERO(30, hpmcounter26)
  HPM_ZERO(31, hpmcounter27)
  HPM_ZERO(32, hpmcounter28)
  HPM_ZERO(33, hpmcounter29)
  HPM_ZERO(34, hpmcounter30)
  HPM_ZERO(35, hpmcounter31)

  # RV32-only high halves do not exist: csrr a0, cycleh / timeh / instreth / hpmcounter3h
  TEST_ILLEGAL32(36, 0xc8002573)
  TEST_ILLEGAL32(37, 0xc8102573)
  TEST_ILLEGAL32(38, 0xc8202573)
  TEST_ILLEGAL32(39, 0xc8302573)

  # time: readable and it advances (wait for a change, bounded)
  TEST_CASE(40); rdtime a1; li t0, 50000000
1:rdtime a2; bne a1, a2, 2f
  addi t0, t0, -1; bnez t0, 1b
  j hv_fail
2:bltu a2, a1, hv_fail
  TEST_CASE(41); csrr a1, time; csrr a2, time; bltu a2, a1, hv_fail

TEST_END
