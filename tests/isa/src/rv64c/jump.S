# RV64C control transfer: c.j, c.jr, c.jalr (link = pc + 2), c.beqz, c.bnez, c.ebreak; 32-bit
# instructions at 2-byte aligned addresses and straddling a 4 KiB page boundary; jumps to
# 2-byte aligned targets (no misaligned-fetch exception with C).

#include "test.h"

TEST_BEGIN
  .option push
  .option rvc

  # c.j forward and backward
  TEST_CASE(1); li a0, 0
  c.j 2f
1:c.addi a0, 1
  c.j 3f
2:c.addi a0, 2
  c.j 1b
3:CHECK_EQ(a0, 3)

  # c.jr
  TEST_CASE(2); la a1, 2f
  c.jr a1
  j hv_fail
2:
  # c.jr clears bit 0 of the target (it is jalr x0, 0(rs1))
  TEST_CASE(3); la a1, 2f; addi a1, a1, 1
  c.jr a1
  j hv_fail
2:
  # c.jalr: ra = address of the next (16-bit) instruction
  TEST_CASE(4); la a1, 2f
1:c.jalr a1
3:j hv_fail
2:la t0, 1b; addi t0, t0, 2; CHECK_REG(ra, t0)
  la t0, 3b; CHECK_REG(ra, t0)
  # c.jalr ra: the target is the old ra
  TEST_CASE(5); la ra, 2f
  c.jalr ra
3:j hv_fail
2:la t0, 3b; CHECK_REG(ra, t0)
  # call/return with c.jalr / c.jr ra
  TEST_CASE(6); li a0, 0; la a1, sub1
  c.jalr a1
  c.addi a0, 4
  CHECK_EQ(a0, 5)
  c.j 9f
sub1:
  c.addi a0, 1
  c.jr ra
9:
  # c.beqz / c.bnez (rs1' in x8..x15), taken and not taken, forward and backward
  TEST_CASE(7); li s0, 0
  c.beqz s0, 2f
  j hv_fail
2:
  TEST_CASE(8); li s0, 0x100000000
  c.beqz s0, 3f
  c.j 4f
3:j hv_fail
4:
  TEST_CASE(9); li a5, 0x8000000000000000
  c.bnez a5, 2f
  j hv_fail
2:
  TEST_CASE(10); li a5, 0
  c.bnez a5, 3f
  c.j 4f
3:j hv_fail
4:
  TEST_CASE(11); li a0, 3
1:c.addi a0, -1
  c.bnez a0, 1b
  CHECK_EQ(a0, 0)
  TEST_CASE(12); li a1, 0; li a0, 0
  c.j 2f
1:c.addi a1, 1
  c.j 3f
2:c.beqz a0, 1b
  j hv_fail
3:CHECK_EQ(a1, 1)

  # c.ebreak: breakpoint, mepc = its address; resume after it
  TEST_CASE(13)
  TRAP_EXPECT(2f)
1:c.ebreak
  j hv_fail
2:la t1, hv_trap_record
  ld t0, 0(t1); CHECK_EQ(t0, CAUSE_BREAKPOINT)
  ld t0, 16(t1); la t2, 1b; CHECK_REG(t0, t2)

  # 32-bit instructions at addresses = 2 (mod 4)
  TEST_CASE(14)
  .balign 4
  c.nop
  li a0, 0x12345678     # lui + addiw, both 32-bit, both misaligned by 2
  .option norvc
  addi a0, a0, 1
  .option rvc
  CHECK_EQ(a0, 0x12345679)
  # jal / jalr to a 2-byte aligned target: no exception with C
  TEST_CASE(15)
  .balign 4
  .option norvc
  jal ra, 2f            # at 0 mod 4
  j hv_fail             # at 4 mod 4
  .option rvc
  c.nop                 # at 8 mod 4
2:la t0, 2b; andi t0, t0, 3; CHECK_EQ(t0, 2)
  TEST_CASE(16); la a1, 3f
  .balign 4
  .option norvc
  jalr ra, 0(a1)
  j hv_fail
  .option rvc
  c.nop
3:la t0, 3b; andi t0, t0, 3; CHECK_EQ(t0, 2)
  # a taken branch to a 2-byte aligned target
  TEST_CASE(17)
  .balign 4
  .option norvc
  beq x0, x0, 4f
  j hv_fail
  .option rvc
  c.nop
4:la t0, 4b; andi t0, t0, 3; CHECK_EQ(t0, 2)

  # a 32-bit instruction straddling a 4 KiB page boundary
  TEST_CASE(18); li a0, 0
  j page_cross
page_back:
  CHECK_EQ(a0, 0x7ff)

  .option pop
TEST_END

  .option push
  .option norvc
  .balign 4096
  .skip 4096 - 8
page_cross:
  nop
  .half 0x0001          # c.nop: the next instruction starts 2 bytes before the page end
  addi a0, a0, 0x7ff    # bytes 0xffc..0x1001 of the page pair
  j page_back
  .option pop
