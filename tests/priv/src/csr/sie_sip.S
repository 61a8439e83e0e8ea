/*
 * csr/sie_sip — sip/sie are views of mip/mie restricted by mideleg.
 * Spec 1.12 §3.1.9: "If an interrupt is delegated to S-mode by setting a bit in mideleg, it
 * becomes visible in sip and maskable with sie; otherwise the corresponding sip/sie bits are
 * read-only zero." SSIP, STIP, SEIP are writable in mip from M-mode; §4.1.3: in sip only
 * SSIP is writable (STIP/SEIP are read-only there); sie bits are writable when delegated.
 * §3.1.8: mideleg holds 1 for delegable S-level interrupts.
 * Interrupts are never enabled globally here (mstatus.MIE = 0, M-mode), so nothing traps.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* SSIP/STIP/SEIP are writable in mip; SSIE/STIE/SEIE in mie */
  TEST 3
  li a0, S_INTS
  csrs mip, a0
  csrr a1, mip
  CHECK_SET a1, S_INTS
  csrs mie, a0
  csrr a1, mie
  CHECK_SET a1, S_INTS
  /* mideleg: the three S interrupts are delegable */
  TEST 4
  csrw mideleg, a0
  csrr a1, mideleg
  CHECK_SET a1, S_INTS
  /* delegated: sip/sie show the bits */
  TEST 5
  csrr a1, sip
  CHECK_MASKED a1, 0xffff, S_INTS
  csrr a1, sie
  CHECK_MASKED a1, 0xffff, S_INTS
  /* not delegated: sip/sie read zero although mip/mie have the bits */
  TEST 6
  csrw mideleg, zero
  csrr a1, sip
  CHECK_CLR a1, S_INTS
  csrr a1, sie
  CHECK_CLR a1, S_INTS
  csrr a1, mip
  CHECK_SET a1, S_INTS
  /* ...and are read-only: writing sie/sip does not change mie/mip */
  TEST 7
  csrc sie, a0
  csrc sip, a0
  csrr a1, mie
  CHECK_SET a1, S_INTS
  csrr a1, mip
  CHECK_SET a1, S_INTS
  /* partial delegation: only SSI */
  TEST 8
  li a2, MIP_SSIP
  csrw mideleg, a2
  csrr a1, sie
  CHECK_MASKED a1, S_INTS, MIP_SSIP
  csrr a1, sip
  CHECK_MASKED a1, S_INTS, MIP_SSIP
  /* a sie write reaches mie.SSIE only */
  TEST 9
  csrw sie, zero
  csrr a1, mie
  CHECK_MASKED a1, S_INTS, MIP_STIP | MIP_SEIP
  /* a sip write clears mip.SSIP only */
  TEST 10
  csrw sip, zero
  csrr a1, mip
  CHECK_MASKED a1, S_INTS, MIP_STIP | MIP_SEIP
  /* fully delegated: STIP and SEIP are read-only in sip, SSIP is writable */
  TEST 11
  csrw mideleg, a0
  csrw sip, zero
  csrr a1, mip
  CHECK_MASKED a1, S_INTS, MIP_STIP | MIP_SEIP
  TEST 12
  csrs sip, a0
  csrr a1, mip
  CHECK_SET a1, S_INTS
  /* mip writes from M clear STIP and SEIP */
  TEST 13
  csrc mip, a0
  csrr a1, sip
  CHECK_CLR a1, S_INTS
  /* sie fully writable when delegated */
  TEST 14
  csrw mie, zero
  csrs sie, a0
  csrr a1, mie
  CHECK_MASKED a1, S_INTS, S_INTS
  /* the same views from S-mode (SIE = 0, nothing pending: no trap) */
  TEST 15
  GOTO_S
  csrr a1, sie
  CHECK_MASKED a1, S_INTS, S_INTS
  csrc sie, a0
  li a2, MIP_SSIP
  csrs sip, a2
  csrr a1, sip
  CHECK_MASKED a1, S_INTS, MIP_SSIP
  csrc sip, a2
  GOTO_M
  TEST 16
  csrr a1, mie
  CHECK_CLR a1, S_INTS
  csrr a1, mip
  CHECK_CLR a1, S_INTS
  csrw mideleg, zero
  PASS
