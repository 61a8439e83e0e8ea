/**
 * fpu.ts — IEEE 754-2008/2019 binary32/binary64 soft-float for the RISC-V F and D extensions.
 *
 * This module is the only place where guest floating-point arithmetic happens. Every
 * operation is computed with integer arithmetic (softfloat style): operands are unpacked
 * into sign / unbiased exponent / significand, the operation is carried out exactly or with
 * guard + sticky bits, and the result is rounded once and packed ({@link roundPack}).
 * Host floating point is never used to produce a result (the only host-float use is a first
 * guess for an integer square root, which is then corrected with exact integer checks).
 *
 * Values are passed as raw bit patterns: binary32 as `u32`, binary64 as `u64`. NaN boxing of
 * single-precision values in the 64-bit FP registers (ISA §12.2) is the caller's business.
 *
 * Spec references are to "The RISC-V Instruction Set Manual, Volume I: Unprivileged ISA",
 * document version 20191213:
 *  - §11.2  fcsr: rounding modes (Table 11.1) and accrued exception flags (Table 11.2).
 *  - §11.3  NaN generation and propagation: every NaN result is the canonical NaN
 *           (0x7fc00000 / 0x7ff8000000000000); no payload propagation.
 *  - §11.4  Subnormal arithmetic: full IEEE support; tininess is detected AFTER rounding, and
 *           UF is raised only when the result is both tiny and inexact.
 *  - §11.6  Computational instructions: FMA rounds once; fma(±inf, ±0, qNaN) raises NV;
 *           FMIN/FMAX follow IEEE 754-2019 minimumNumber/maximumNumber with -0 < +0.
 *  - §11.7  Conversions: float→int rounds with rm and saturates on NaN / out-of-range inputs
 *           per Table 11.4 (NV set, NX not set); RV64 sign-extends 32-bit results, even for
 *           FCVT.WU.S.
 *  - §11.8  Comparisons: FEQ is quiet (NV only for sNaN); FLT/FLE signal NV for any NaN.
 *  - §11.9  FCLASS (Table 11.5).
 *  - §12.4/12.5  The same for binary64; FCVT.S.D rounds with rm, FCVT.D.S is exact.
 *
 * Internal representation of an unpacked finite nonzero value: `sig` (u64) with its leading
 * one at bit 62 and `exp` (i32, unbiased) such that value = sig × 2^(exp − 62). Bit 63 is
 * head-room for a carry; the low bits below the format's precision are guard bits, and a
 * "jammed" (sticky) bit 0 records that nonzero bits were shifted out.
 *
 * The binary32 and binary64 variants share one generic implementation: the type parameter
 * `T` (f32 or f64) is only a format tag from which the format constants are derived at
 * compile time, so each operation is monomorphised into a specialised function.
 */

// ---------------------------------------------------------------------------------------------
// Exception flags (ISA §11.2, Table 11.2) and rounding modes (Table 11.1)
// ---------------------------------------------------------------------------------------------

/** Accrued exception flags (fflags layout). Operations OR into it; the caller reads and clears. */
export let fpFlags: u32 = 0;

/** Invalid operation. */
export const FLAG_NV: u32 = 0x10;
/** Divide by zero. */
export const FLAG_DZ: u32 = 0x08;
/** Overflow. */
export const FLAG_OF: u32 = 0x04;
/** Underflow (tiny after rounding AND inexact). */
export const FLAG_UF: u32 = 0x02;
/** Inexact. */
export const FLAG_NX: u32 = 0x01;

/** Round to nearest, ties to even. */
export const RM_RNE: u32 = 0;
/** Round towards zero. */
export const RM_RTZ: u32 = 1;
/** Round down (towards −∞). */
export const RM_RDN: u32 = 2;
/** Round up (towards +∞). */
export const RM_RUP: u32 = 3;
/** Round to nearest, ties to max magnitude. */
export const RM_RMM: u32 = 4;

// ---------------------------------------------------------------------------------------------
// Format constants, derived from the format tag T (f32 → binary32, f64 → binary64)
// ---------------------------------------------------------------------------------------------

/** Number of stored fraction bits (23 / 52). */
// @ts-ignore: decorator
@inline function FRAC_BITS<T>(): i32 { return sizeof<T>() == 4 ? 23 : 52; }
/** Exponent bias (127 / 1023). */
// @ts-ignore: decorator
@inline function BIAS<T>(): i32 { return sizeof<T>() == 4 ? 127 : 1023; }
/** All-ones biased exponent field (255 / 2047). */
// @ts-ignore: decorator
@inline function EXP_MAX<T>(): i32 { return sizeof<T>() == 4 ? 0xff : 0x7ff; }
/** Position of the sign bit (31 / 63). */
// @ts-ignore: decorator
@inline function SIGN_SHIFT<T>(): i32 { return sizeof<T>() == 4 ? 31 : 63; }
/** Canonical quiet NaN (ISA §11.3). */
// @ts-ignore: decorator
@inline function CANON_NAN<T>(): u64 { return sizeof<T>() == 4 ? <u64>0x7fc00000 : 0x7ff8000000000000; }

// @ts-ignore: decorator
@inline function fracMask<T>(): u64 { return (<u64>1 << FRAC_BITS<T>()) - 1; }
// @ts-ignore: decorator
@inline function signOf<T>(x: u64): u32 { return <u32>(x >> SIGN_SHIFT<T>()) & 1; }
// @ts-ignore: decorator
@inline function expOf<T>(x: u64): i32 { return <i32>(x >> FRAC_BITS<T>()) & EXP_MAX<T>(); }
// @ts-ignore: decorator
@inline function fracOf<T>(x: u64): u64 { return x & fracMask<T>(); }
/** Magnitude bits (everything but the sign). */
// @ts-ignore: decorator
@inline function absOf<T>(x: u64): u64 { return x & ((<u64>1 << SIGN_SHIFT<T>()) - 1); }
// @ts-ignore: decorator
@inline function isNaNBits<T>(x: u64): bool { return absOf<T>(x) > (<u64>EXP_MAX<T>() << FRAC_BITS<T>()); }
// @ts-ignore: decorator
@inline function isInfBits<T>(x: u64): bool { return absOf<T>(x) == (<u64>EXP_MAX<T>() << FRAC_BITS<T>()); }
// @ts-ignore: decorator
@inline function isZeroBits<T>(x: u64): bool { return absOf<T>(x) == 0; }
/** Signalling NaN: a NaN whose most significant fraction bit (the quiet bit) is clear. */
// @ts-ignore: decorator
@inline function isSNaNBits<T>(x: u64): bool {
  return isNaNBits<T>(x) && (x & (<u64>1 << (FRAC_BITS<T>() - 1))) == 0;
}
// @ts-ignore: decorator
@inline function packInf<T>(sign: u32): u64 {
  return (<u64>sign << SIGN_SHIFT<T>()) | (<u64>EXP_MAX<T>() << FRAC_BITS<T>());
}
// @ts-ignore: decorator
@inline function packZero<T>(sign: u32): u64 { return <u64>sign << SIGN_SHIFT<T>(); }
/** Largest finite magnitude with the given sign. */
// @ts-ignore: decorator
@inline function packMaxFinite<T>(sign: u32): u64 { return packInf<T>(sign) - 1; }

/** Returns the canonical NaN, raising NV first when `invalid` is set. */
// @ts-ignore: decorator
@inline function nanResult<T>(invalid: bool): u64 {
  if (invalid) fpFlags |= FLAG_NV;
  return CANON_NAN<T>();
}

/** Sign of an exact zero sum x + (−x): +0 in every mode except RDN, where it is −0 (IEEE 754 §6.3). */
// @ts-ignore: decorator
@inline function exactZeroSign(rm: u32): u32 { return rm == RM_RDN ? 1 : 0; }

// ---------------------------------------------------------------------------------------------
// Integer helpers (64- and 128-bit)
// ---------------------------------------------------------------------------------------------

/** Second result of functions returning a 128-bit value: the high (or only other) word. */
let r128hi: u64 = 0;
/** Unbiased exponent produced by {@link unpack}. */
let unpExp: i32 = 0;

/** Logical right shift by n ≥ 0 that ORs every shifted-out bit into bit 0 ("jamming"). */
// @ts-ignore: decorator
@inline function shiftRightJam64(x: u64, n: i32): u64 {
  if (n == 0) return x;
  if (n >= 64) return x != 0 ? 1 : 0;
  return (x >> n) | <u64>((x << (64 - n)) != 0);
}

/**
 * Full 64×64 → 128-bit unsigned product. Returns the low word; the high word is left in
 * {@link r128hi}.
 */
function mul64To128(a: u64, b: u64): u64 {
  const aLo = a & 0xffffffff, aHi = a >> 32;
  const bLo = b & 0xffffffff, bHi = b >> 32;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const hh = aHi * bHi;
  // Middle column: at most 3 × (2^32 − 1), which fits comfortably in 64 bits.
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  r128hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return (mid << 32) | (ll & 0xffffffff);
}

/**
 * 128-bit logical right shift with jamming of shifted-out bits into bit 0. The input is
 * (hi, lo); returns the low word and leaves the high word in {@link r128hi}.
 */
function shiftRightJam128(hi: u64, lo: u64, n: i32): u64 {
  if (n == 0) { r128hi = hi; return lo; }
  if (n < 64) {
    r128hi = hi >> n;
    return (hi << (64 - n)) | (lo >> n) | <u64>((lo << (64 - n)) != 0);
  }
  r128hi = 0;
  if (n == 64) return hi | <u64>(lo != 0);
  if (n < 128) return shiftRightJam64(hi, n - 64) | <u64>(lo != 0);
  return <u64>((hi | lo) != 0);
}

/** Count of leading zeros of the 128-bit value (hi, lo). */
// @ts-ignore: decorator
@inline function clz128(hi: u64, lo: u64): i32 {
  return hi != 0 ? <i32>clz<u64>(hi) : 64 + <i32>clz<u64>(lo);
}

// ---------------------------------------------------------------------------------------------
// Unpacking, rounding and packing
// ---------------------------------------------------------------------------------------------

/**
 * Unpacks a finite nonzero value (normal or subnormal) into a significand with the leading
 * one at bit 62, leaving the unbiased exponent in {@link unpExp}: value = sig × 2^(unpExp − 62).
 */
// @ts-ignore: decorator
@inline function unpack<T>(x: u64): u64 {
  const e = expOf<T>(x);
  const f = fracOf<T>(x);
  if (e == 0) {
    // Subnormal: value = f × 2^(emin − FRAC_BITS), emin = 1 − BIAS; normalise (ISA §11.4).
    const sh = <i32>clz<u64>(f) - 1;
    unpExp = (1 - BIAS<T>()) - FRAC_BITS<T>() + 62 - sh;
    return f << sh;
  }
  unpExp = e - BIAS<T>();
  return (f | (<u64>1 << FRAC_BITS<T>())) << (62 - FRAC_BITS<T>());
}

/**
 * Whether a value whose bits below the rounding point are `rem` (out of `half << 1`), whose
 * retained part is `q`, rounds away from zero (magnitude increment) in mode `rm`.
 */
// @ts-ignore: decorator
@inline function roundIncrement(q: u64, rem: u64, half: u64, sign: u32, rm: u32): u64 {
  switch (rm) {
    case RM_RTZ: return 0;
    case RM_RDN: return <u64>(sign != 0 && rem != 0);
    case RM_RUP: return <u64>(sign == 0 && rem != 0);
    case RM_RMM: return <u64>(rem >= half);
    default: return <u64>(rem > half || (rem == half && (q & 1) != 0));
  }
}

/**
 * Rounds sign × sig × 2^(exp − 62) to format T with rounding mode rm, packs it, and raises
 * NX / UF / OF as IEEE 754 and ISA §11.4 prescribe (tininess detected after rounding).
 *
 * `sig` must be nonzero. It may have its leading one anywhere (it is normalised here); bit 0
 * may be a sticky bit, provided at least two bits separate it from the format's rounding
 * point after normalisation (every caller supplies ≥ precision + 2 significant bits).
 */
function roundPack<T>(sign: u32, exp: i32, sig: u64, rm: u32): u64 {
  const FB = FRAC_BITS<T>();
  const S = 62 - FB;                      // bits below the least significant kept bit
  const HALF: u64 = <u64>1 << (S - 1);
  const LOW_MASK: u64 = (<u64>1 << S) - 1;
  const EMIN = 1 - BIAS<T>();
  const EMAX = BIAS<T>();

  // Normalise: leading one to bit 62.
  const lz = <i32>clz<u64>(sig);
  if (lz == 0) {
    sig = (sig >> 1) | (sig & 1);
    exp += 1;
  } else if (lz > 1) {
    sig <<= lz - 1;
    exp -= lz - 1;
  }

  let tiny = false;
  if (exp < EMIN) {
    // Tininess after rounding (ISA §11.4): the result is tiny unless rounding to full
    // precision with an unbounded exponent range carries it up to 2^EMIN exactly.
    const carries = exp == EMIN - 1 &&
      (sig >> S) == (<u64>1 << (FB + 1)) - 1 &&
      roundIncrement(sig >> S, sig & LOW_MASK, HALF, sign, rm) != 0;
    tiny = !carries;
    sig = shiftRightJam64(sig, EMIN - exp);
    exp = EMIN;
  }

  const rem = sig & LOW_MASK;
  let q = (sig >> S) + roundIncrement(sig >> S, rem, HALF, sign, rm);
  if (rem != 0) {
    fpFlags |= tiny ? FLAG_NX | FLAG_UF : FLAG_NX;
  }
  if (q >> (FB + 1)) {
    // Rounding carried out of the significand: q = 2^(FB+1) → 2^FB with exponent + 1.
    q >>= 1;
    exp += 1;
  }
  if (exp > EMAX) {
    fpFlags |= FLAG_OF | FLAG_NX;
    // Round-to-nearest modes overflow to ∞; directed modes to ∞ only in their own direction.
    const toMax = rm == RM_RTZ || (rm == RM_RDN && sign == 0) || (rm == RM_RUP && sign != 0);
    return toMax ? packMaxFinite<T>(sign) : packInf<T>(sign);
  }
  const signBits = <u64>sign << SIGN_SHIFT<T>();
  if ((q >> FB) == 0) return signBits | q;    // subnormal or zero: exponent field 0
  return signBits | (<u64>(exp + BIAS<T>()) << FB) | (q & fracMask<T>());
}

// ---------------------------------------------------------------------------------------------
// Generic operation cores
// ---------------------------------------------------------------------------------------------

/** a + b (ISA §11.6 FADD). Subtraction flips the sign of b before calling this. */
function addCore<T>(a: u64, b: u64, rm: u32): u64 {
  if (isNaNBits<T>(a) || isNaNBits<T>(b)) return nanResult<T>(isSNaNBits<T>(a) || isSNaNBits<T>(b));
  let sA = signOf<T>(a), sB = signOf<T>(b);
  if (isInfBits<T>(a)) {
    if (isInfBits<T>(b) && sA != sB) return nanResult<T>(true);   // ∞ − ∞
    return a;
  }
  if (isInfBits<T>(b)) return b;
  if (isZeroBits<T>(a)) {
    if (isZeroBits<T>(b)) return sA == sB ? a : packZero<T>(exactZeroSign(rm));
    return b;
  }
  if (isZeroBits<T>(b)) return a;

  let sigA = unpack<T>(a); let eA = unpExp;
  let sigB = unpack<T>(b); let eB = unpExp;
  // Order operands by magnitude so that |A| ≥ |B|.
  if (eA < eB || (eA == eB && sigA < sigB)) {
    const ts = sigA; sigA = sigB; sigB = ts;
    const te = eA; eA = eB; eB = te;
    const tg = sA; sA = sB; sB = tg;
  }
  sigB = shiftRightJam64(sigB, eA - eB);
  if (sA == sB) {
    return roundPack<T>(sA, eA, sigA + sigB, rm);   // < 2^64; roundPack renormalises
  }
  const diff = sigA - sigB;
  if (diff == 0) return packZero<T>(exactZeroSign(rm));
  return roundPack<T>(sA, eA, diff, rm);
}

/** a × b (ISA §11.6 FMUL). */
function mulCore<T>(a: u64, b: u64, rm: u32): u64 {
  if (isNaNBits<T>(a) || isNaNBits<T>(b)) return nanResult<T>(isSNaNBits<T>(a) || isSNaNBits<T>(b));
  const s = signOf<T>(a) ^ signOf<T>(b);
  if (isInfBits<T>(a) || isInfBits<T>(b)) {
    if (isZeroBits<T>(a) || isZeroBits<T>(b)) return nanResult<T>(true);  // ∞ × 0
    return packInf<T>(s);
  }
  if (isZeroBits<T>(a) || isZeroBits<T>(b)) return packZero<T>(s);
  const sigA = unpack<T>(a); const eA = unpExp;
  const sigB = unpack<T>(b); const eB = unpExp;
  if (sizeof<T>() == 4) {
    // 24 × 24-bit product is exact in 64 bits: (sigA >> 39)(sigB >> 39) × 2^(eA + eB − 46).
    const p = (sigA >> 39) * (sigB >> 39);
    return roundPack<T>(s, eA + eB + 16, p, rm);
  }
  // Product of two [2^62, 2^63) significands lies in [2^124, 2^126); keep bits 127..62.
  const lo = mul64To128(sigA, sigB);
  const hi = r128hi;
  const sig = (hi << 2) | (lo >> 62) | <u64>((lo & 0x3fffffffffffffff) != 0);
  return roundPack<T>(s, eA + eB, sig, rm);
}

/** a ÷ b (ISA §11.6 FDIV). */
function divCore<T>(a: u64, b: u64, rm: u32): u64 {
  if (isNaNBits<T>(a) || isNaNBits<T>(b)) return nanResult<T>(isSNaNBits<T>(a) || isSNaNBits<T>(b));
  const s = signOf<T>(a) ^ signOf<T>(b);
  if (isInfBits<T>(a)) {
    if (isInfBits<T>(b)) return nanResult<T>(true);                 // ∞ / ∞
    return packInf<T>(s);
  }
  if (isInfBits<T>(b)) return packZero<T>(s);
  if (isZeroBits<T>(b)) {
    if (isZeroBits<T>(a)) return nanResult<T>(true);                // 0 / 0
    fpFlags |= FLAG_DZ;
    return packInf<T>(s);
  }
  if (isZeroBits<T>(a)) return packZero<T>(s);

  const FB = FRAC_BITS<T>();
  const x = unpack<T>(a) >> (62 - FB); const eA = unpExp;   // (FB+1)-bit integers
  const y = unpack<T>(b) >> (62 - FB); const eB = unpExp;
  // Long division in chunks of C bits: the remainder is < y < 2^(FB+1), so r << C fits in
  // 64 bits (x << C too). K chunks give a quotient of at least FB + 3 significant bits; one
  // hardware division per chunk, the remainder by multiply-subtract.
  const C = 63 - FB;                         // 40 / 11
  const K = sizeof<T>() == 4 ? 1 : 5;        // 40 / 55 quotient bits after the integer part
  let r = x << C;
  let q = r / y;
  r -= q * y;
  for (let i = 1; i < K; i++) {
    r <<= C;
    const t = r / y;
    q = (q << C) | t;
    r -= t * y;
  }
  // value = (x / y) × 2^(eA − eB) ≈ q × 2^(eA − eB − C·K)
  return roundPack<T>(s, eA - eB - C * K + 62, q | <u64>(r != 0), rm);
}

/**
 * Integer square root of the 128-bit value (hi, lo) < 2^112: returns floor(sqrt(N)) and sets
 * {@link r128hi} to 1 when the root is inexact (N is not a perfect square), else 0.
 * A host-float estimate is refined with exact 128-bit integer comparisons.
 */
function isqrt128(hi: u64, lo: u64): u64 {
  let r = <u64>Math.sqrt(<f64>hi * 18446744073709551616.0 + <f64>lo);
  // Decrease while r² > N.
  while (true) {
    const pLo = mul64To128(r, r);
    const pHi = r128hi;
    if (pHi > hi || (pHi == hi && pLo > lo)) { r--; continue; }
    break;
  }
  // Increase while (r + 1)² ≤ N.
  while (true) {
    const n = r + 1;
    const pLo = mul64To128(n, n);
    const pHi = r128hi;
    if (pHi < hi || (pHi == hi && pLo <= lo)) { r = n; continue; }
    break;
  }
  const sLo = mul64To128(r, r);
  r128hi = <u64>(sLo != lo || r128hi != hi);
  return r;
}

/** √a (ISA §11.6 FSQRT). */
function sqrtCore<T>(a: u64, rm: u32): u64 {
  if (isNaNBits<T>(a)) return nanResult<T>(isSNaNBits<T>(a));
  if (isZeroBits<T>(a)) return a;                                   // √±0 = ±0
  if (signOf<T>(a)) return nanResult<T>(true);                      // √(negative), incl. −∞
  if (isInfBits<T>(a)) return a;
  const FB = FRAC_BITS<T>();
  let m = unpack<T>(a) >> (62 - FB);          // value = m × 2^(t)
  let t = unpExp - FB;
  if (t & 1) { m <<= 1; t -= 1; }             // make the exponent even
  // N = m × 2^(2k) has a root of at least FB + 3 bits: k = 14 (binary32) / 28 (binary64).
  const K = sizeof<T>() == 4 ? 14 : 28;
  const nHi: u64 = sizeof<T>() == 4 ? 0 : m >> (64 - 2 * K);
  const nLo: u64 = m << (2 * K);
  const root = isqrt128(nHi, nLo);
  const sticky = r128hi;
  // √value = root × 2^((t − 2k) / 2)
  return roundPack<T>(0, ((t - 2 * K) >> 1) + 62, root | sticky, rm);
}

/** a × b + c with a single rounding (ISA §11.6 FMADD; FMSUB/FNMSUB/FNMADD flip signs). */
function fmaCore<T>(a: u64, b: u64, c: u64, rm: u32): u64 {
  const sP = signOf<T>(a) ^ signOf<T>(b);
  const sC = signOf<T>(c);
  const aInf = isInfBits<T>(a), bInf = isInfBits<T>(b);
  const aZero = isZeroBits<T>(a), bZero = isZeroBits<T>(b);
  if (isNaNBits<T>(a) || isNaNBits<T>(b) || isNaNBits<T>(c)) {
    // ISA §11.6: fma(∞, 0, qNaN) is an invalid operation too.
    const invalid = isSNaNBits<T>(a) || isSNaNBits<T>(b) || isSNaNBits<T>(c) ||
      (aInf && bZero) || (aZero && bInf);
    return nanResult<T>(invalid);
  }
  if (aInf || bInf) {
    if (aZero || bZero) return nanResult<T>(true);                  // ∞ × 0
    if (isInfBits<T>(c) && sC != sP) return nanResult<T>(true);     // ∞ − ∞
    return packInf<T>(sP);
  }
  if (isInfBits<T>(c)) return c;
  if (aZero || bZero) {
    if (isZeroBits<T>(c)) return sC == sP ? c : packZero<T>(exactZeroSign(rm));
    return c;
  }

  const sigA = unpack<T>(a); const eA = unpExp;
  const sigB = unpack<T>(b); const eB = unpExp;
  // Exact product in [2^124, 2^126); normalise it to have its leading one at bit 125.
  let pLo = mul64To128(sigA, sigB);
  let pHi = r128hi;
  let eP = eA + eB;                           // value = P × 2^(eP − 125) after normalising
  if ((pHi >> 61) == 0) {
    pHi = (pHi << 1) | (pLo >> 63);
    pLo <<= 1;
  } else {
    eP += 1;
  }
  if (isZeroBits<T>(c)) {
    // Product only (its sign wins: the exact sum is nonzero). Keep bits 125..63 + sticky,
    // i.e. sig = P >> 63 with value = sig × 2^(eP − 62).
    return roundPack<T>(sP, eP, (pHi << 1) | (pLo >> 63) | <u64>((pLo << 1) != 0), rm);
  }
  const sigC = unpack<T>(c); const eC = unpExp;
  // Addend with its leading one at bit 125: value = C × 2^(eC − 125).
  const cHi = sigC >> 1;
  const cLo = sigC << 63;

  // Order by magnitude: big (bHi:bLo, eBig, sBig) ≥ small.
  let bigHi = pHi, bigLo = pLo, eBig = eP, sBig = sP;
  let smHi = cHi, smLo = cLo, eSm = eC;
  if (eC > eP || (eC == eP && (cHi > pHi || (cHi == pHi && cLo > pLo)))) {
    bigHi = cHi; bigLo = cLo; eBig = eC; sBig = sC;
    smHi = pHi; smLo = pLo; eSm = eP;
  }
  smLo = shiftRightJam128(smHi, smLo, eBig - eSm);
  smHi = r128hi;

  let rHi: u64, rLo: u64;
  if (sP == sC) {
    rLo = bigLo + smLo;
    rHi = bigHi + smHi + <u64>(rLo < bigLo);
  } else {
    rLo = bigLo - smLo;
    rHi = bigHi - smHi - <u64>(bigLo < smLo);
    if ((rHi | rLo) == 0) return packZero<T>(exactZeroSign(rm));
  }
  // Normalise to bit 127 and collapse to 64 bits (leading one at bit 62) with sticky.
  const lz = clz128(rHi, rLo);
  if (lz >= 64) {
    rHi = rLo << (lz - 64);
    rLo = 0;
  } else if (lz > 0) {
    rHi = (rHi << lz) | (rLo >> (64 - lz));
    rLo <<= lz;
  }
  const sig = (rHi >> 1) | <u64>(((rHi & 1) | rLo) != 0);
  return roundPack<T>(sBig, eBig + 2 - lz, sig, rm);
}

/**
 * Ordered "a < b" for non-NaN a, b where −0 < +0 (used by FMIN/FMAX).
 */
// @ts-ignore: decorator
@inline function totalLess<T>(a: u64, b: u64): bool {
  const sA = signOf<T>(a), sB = signOf<T>(b);
  if (sA != sB) return sA != 0;
  return sA != 0 ? a > b : a < b;
}

/** FMIN (isMax = false) / FMAX (isMax = true): IEEE 754-2019 minimumNumber / maximumNumber (ISA §11.6). */
function minMaxCore<T>(a: u64, b: u64, isMax: bool): u64 {
  const nA = isNaNBits<T>(a), nB = isNaNBits<T>(b);
  if (nA || nB) {
    if (isSNaNBits<T>(a) || isSNaNBits<T>(b)) fpFlags |= FLAG_NV;
    if (nA && nB) return CANON_NAN<T>();
    return nA ? b : a;
  }
  const aLess = totalLess<T>(a, b);
  return isMax ? (aLess ? b : a) : (aLess ? a : b);
}

/** FEQ (quiet): NV only for signalling NaN inputs (ISA §11.8). */
function eqCore<T>(a: u64, b: u64): u32 {
  if (isNaNBits<T>(a) || isNaNBits<T>(b)) {
    if (isSNaNBits<T>(a) || isSNaNBits<T>(b)) fpFlags |= FLAG_NV;
    return 0;
  }
  return <u32>(a == b || (isZeroBits<T>(a) && isZeroBits<T>(b)));
}

/** FLT (orEqual = false) / FLE (orEqual = true): signalling, NV for any NaN (ISA §11.8). */
function ltLeCore<T>(a: u64, b: u64, orEqual: bool): u32 {
  if (isNaNBits<T>(a) || isNaNBits<T>(b)) {
    fpFlags |= FLAG_NV;
    return 0;
  }
  const bothZero = isZeroBits<T>(a) && isZeroBits<T>(b);
  if (orEqual && (a == b || bothZero)) return 1;
  if (bothZero) return 0;
  return <u32>totalLess<T>(a, b);
}

/** FCLASS mask (ISA §11.9, Table 11.5). */
function classifyCore<T>(a: u64): u32 {
  const s = signOf<T>(a);
  const e = expOf<T>(a);
  if (isNaNBits<T>(a)) return isSNaNBits<T>(a) ? 1 << 8 : 1 << 9;
  if (isInfBits<T>(a)) return s ? 1 << 0 : 1 << 7;
  if (isZeroBits<T>(a)) return s ? 1 << 3 : 1 << 4;
  if (e == 0) return s ? 1 << 2 : 1 << 5;               // subnormal
  return s ? 1 << 1 : 1 << 6;                           // normal
}

/** Integer destination kinds for {@link toIntCore}. */
const KIND_I32: i32 = 0;
const KIND_U32: i32 = 1;
const KIND_I64: i32 = 2;
const KIND_U64: i32 = 3;

/** Largest representable value of an integer kind (the positive saturation value, Table 11.4). */
// @ts-ignore: decorator
@inline function intMax(kind: i32): u64 {
  return kind == KIND_I32 ? 0x7fffffff : kind == KIND_U32 ? 0xffffffff :
    kind == KIND_I64 ? 0x7fffffffffffffff : 0xffffffffffffffff;
}

/** Magnitude of the most negative representable value of an integer kind. */
// @ts-ignore: decorator
@inline function intMinMagnitude(kind: i32): u64 {
  return kind == KIND_I32 ? 0x80000000 : kind == KIND_I64 ? 0x8000000000000000 : 0;
}

/** Sign-extends 32-bit results to 64 bits as RV64 FCVT.W[U].{S,D} do (ISA §11.7). */
// @ts-ignore: decorator
@inline function finishInt(v: u64, kind: i32): u64 {
  return kind <= KIND_U32 ? <u64><i64><i32><u32>v : v;
}

/**
 * Float → integer conversion with rounding mode rm (ISA §11.7). NaN, ±∞ and values whose
 * rounded result is out of range saturate per Table 11.4 and raise NV only; otherwise an
 * inexact conversion raises NX.
 */
function toIntCore<T>(a: u64, rm: u32, kind: i32): u64 {
  if (isNaNBits<T>(a)) {
    fpFlags |= FLAG_NV;
    return finishInt(intMax(kind), kind);
  }
  const sign = signOf<T>(a);
  const satNeg = finishInt(kind == KIND_I32 || kind == KIND_I64 ? 0 - intMinMagnitude(kind) : 0, kind);
  const satPos = finishInt(intMax(kind), kind);
  if (isInfBits<T>(a)) {
    fpFlags |= FLAG_NV;
    return sign ? satNeg : satPos;
  }
  if (isZeroBits<T>(a)) return 0;

  const sig = unpack<T>(a);
  const fracBits = 62 - unpExp;            // number of bits of sig below the binary point
  let q: u64;
  let inexact = false;
  if (fracBits < -1) {
    // |a| ≥ 2^64: out of range for every kind.
    fpFlags |= FLAG_NV;
    return sign ? satNeg : satPos;
  } else if (fracBits <= 0) {
    q = sig << (0 - fracBits);             // exact integer, < 2^64
  } else if (fracBits >= 64) {
    // 0 < |a| < 1/2: only directed modes can round away from zero.
    inexact = true;
    q = roundIncrement(0, 1, 2, sign, rm);
  } else {
    const half = <u64>1 << (fracBits - 1);
    const rem = sig & ((half << 1) - 1);
    q = sig >> fracBits;
    inexact = rem != 0;
    q += roundIncrement(q, rem, half, sign, rm);
  }
  if (sign) {
    if (q > intMinMagnitude(kind)) { fpFlags |= FLAG_NV; return satNeg; }
  } else {
    if (q > intMax(kind)) { fpFlags |= FLAG_NV; return satPos; }
  }
  if (inexact) fpFlags |= FLAG_NX;
  return finishInt(sign ? 0 - q : q, kind);
}

/**
 * Integer → float conversion (ISA §11.7 FCVT.{S,D}.{W,WU,L,LU}). `x` holds the integer; for
 * the 32-bit kinds only its low 32 bits are used.
 */
function fromIntCore<T>(x: u64, kind: i32, rm: u32): u64 {
  if (kind == KIND_I32) x = <u64><i64><i32><u32>x;
  else if (kind == KIND_U32) x = x & 0xffffffff;
  const sign: u32 = (kind == KIND_I32 || kind == KIND_I64) && <i64>x < 0 ? 1 : 0;
  const mag = sign ? 0 - x : x;
  if (mag == 0) return 0;
  return roundPack<T>(sign, 62, mag, rm);    // value = mag × 2^0; roundPack normalises
}

// ---------------------------------------------------------------------------------------------
// Public API: binary32 (ISA chapter 11)
// ---------------------------------------------------------------------------------------------

/** FADD.S */
export function f32_add(a: u32, b: u32, rm: u32): u32 { return <u32>addCore<f32>(a, b, rm); }
/** FSUB.S */
export function f32_sub(a: u32, b: u32, rm: u32): u32 { return <u32>addCore<f32>(a, b ^ 0x80000000, rm); }
/** FMUL.S */
export function f32_mul(a: u32, b: u32, rm: u32): u32 { return <u32>mulCore<f32>(a, b, rm); }
/** FDIV.S */
export function f32_div(a: u32, b: u32, rm: u32): u32 { return <u32>divCore<f32>(a, b, rm); }
/** FSQRT.S */
export function f32_sqrt(a: u32, rm: u32): u32 { return <u32>sqrtCore<f32>(a, rm); }
/** FMADD.S: a × b + c, rounded once. */
export function f32_fma(a: u32, b: u32, c: u32, rm: u32): u32 { return <u32>fmaCore<f32>(a, b, c, rm); }
/** FMIN.S */
export function f32_min(a: u32, b: u32): u32 { return <u32>minMaxCore<f32>(a, b, false); }
/** FMAX.S */
export function f32_max(a: u32, b: u32): u32 { return <u32>minMaxCore<f32>(a, b, true); }
/** FEQ.S: 1 when a == b. */
export function f32_eq(a: u32, b: u32): u32 { return eqCore<f32>(a, b); }
/** FLT.S: 1 when a < b. */
export function f32_lt(a: u32, b: u32): u32 { return ltLeCore<f32>(a, b, false); }
/** FLE.S: 1 when a ≤ b. */
export function f32_le(a: u32, b: u32): u32 { return ltLeCore<f32>(a, b, true); }
/** FCLASS.S */
export function f32_classify(a: u32): u32 { return classifyCore<f32>(a); }
/** FCVT.W.S (result sign-extended to 64 bits). */
export function f32_to_i32(a: u32, rm: u32): u64 { return toIntCore<f32>(a, rm, KIND_I32); }
/** FCVT.WU.S (32-bit result, sign-extended to 64 bits as RV64 does). */
export function f32_to_u32(a: u32, rm: u32): u64 { return toIntCore<f32>(a, rm, KIND_U32); }
/** FCVT.L.S */
export function f32_to_i64(a: u32, rm: u32): u64 { return toIntCore<f32>(a, rm, KIND_I64); }
/** FCVT.LU.S */
export function f32_to_u64(a: u32, rm: u32): u64 { return toIntCore<f32>(a, rm, KIND_U64); }
/** FCVT.S.W (low 32 bits of x, signed). */
export function i32_to_f32(x: u64, rm: u32): u32 { return <u32>fromIntCore<f32>(x, KIND_I32, rm); }
/** FCVT.S.WU (low 32 bits of x, unsigned). */
export function u32_to_f32(x: u64, rm: u32): u32 { return <u32>fromIntCore<f32>(x, KIND_U32, rm); }
/** FCVT.S.L */
export function i64_to_f32(x: u64, rm: u32): u32 { return <u32>fromIntCore<f32>(x, KIND_I64, rm); }
/** FCVT.S.LU */
export function u64_to_f32(x: u64, rm: u32): u32 { return <u32>fromIntCore<f32>(x, KIND_U64, rm); }

// ---------------------------------------------------------------------------------------------
// Public API: binary64 (ISA chapter 12)
// ---------------------------------------------------------------------------------------------

/** FADD.D */
export function f64_add(a: u64, b: u64, rm: u32): u64 { return addCore<f64>(a, b, rm); }
/** FSUB.D */
export function f64_sub(a: u64, b: u64, rm: u32): u64 { return addCore<f64>(a, b ^ 0x8000000000000000, rm); }
/** FMUL.D */
export function f64_mul(a: u64, b: u64, rm: u32): u64 { return mulCore<f64>(a, b, rm); }
/** FDIV.D */
export function f64_div(a: u64, b: u64, rm: u32): u64 { return divCore<f64>(a, b, rm); }
/** FSQRT.D */
export function f64_sqrt(a: u64, rm: u32): u64 { return sqrtCore<f64>(a, rm); }
/** FMADD.D: a × b + c, rounded once. */
export function f64_fma(a: u64, b: u64, c: u64, rm: u32): u64 { return fmaCore<f64>(a, b, c, rm); }
/** FMIN.D */
export function f64_min(a: u64, b: u64): u64 { return minMaxCore<f64>(a, b, false); }
/** FMAX.D */
export function f64_max(a: u64, b: u64): u64 { return minMaxCore<f64>(a, b, true); }
/** FEQ.D */
export function f64_eq(a: u64, b: u64): u32 { return eqCore<f64>(a, b); }
/** FLT.D */
export function f64_lt(a: u64, b: u64): u32 { return ltLeCore<f64>(a, b, false); }
/** FLE.D */
export function f64_le(a: u64, b: u64): u32 { return ltLeCore<f64>(a, b, true); }
/** FCLASS.D */
export function f64_classify(a: u64): u32 { return classifyCore<f64>(a); }
/** FCVT.W.D (sign-extended). */
export function f64_to_i32(a: u64, rm: u32): u64 { return toIntCore<f64>(a, rm, KIND_I32); }
/** FCVT.WU.D (sign-extended 32-bit result). */
export function f64_to_u32(a: u64, rm: u32): u64 { return toIntCore<f64>(a, rm, KIND_U32); }
/** FCVT.L.D */
export function f64_to_i64(a: u64, rm: u32): u64 { return toIntCore<f64>(a, rm, KIND_I64); }
/** FCVT.LU.D */
export function f64_to_u64(a: u64, rm: u32): u64 { return toIntCore<f64>(a, rm, KIND_U64); }
/** FCVT.D.W */
export function i32_to_f64(x: u64, rm: u32): u64 { return fromIntCore<f64>(x, KIND_I32, rm); }
/** FCVT.D.WU */
export function u32_to_f64(x: u64, rm: u32): u64 { return fromIntCore<f64>(x, KIND_U32, rm); }
/** FCVT.D.L */
export function i64_to_f64(x: u64, rm: u32): u64 { return fromIntCore<f64>(x, KIND_I64, rm); }
/** FCVT.D.LU */
export function u64_to_f64(x: u64, rm: u32): u64 { return fromIntCore<f64>(x, KIND_U64, rm); }

// ---------------------------------------------------------------------------------------------
// Public API: conversions between formats (ISA §12.5)
// ---------------------------------------------------------------------------------------------

/** FCVT.D.S: exact widening; NaN → canonical NaN (NV for sNaN). */
export function f32_to_f64(a: u32): u64 {
  const x = <u64>a;
  if (isNaNBits<f32>(x)) return nanResult<f64>(isSNaNBits<f32>(x));
  const s = signOf<f32>(x);
  if (isInfBits<f32>(x)) return packInf<f64>(s);
  if (isZeroBits<f32>(x)) return packZero<f64>(s);
  const sig = unpack<f32>(x);
  return roundPack<f64>(s, unpExp, sig, RM_RNE);   // always exact
}

/** FCVT.S.D: narrowing with rounding mode rm (may overflow, underflow or be inexact). */
export function f64_to_f32(a: u64, rm: u32): u32 {
  if (isNaNBits<f64>(a)) return <u32>nanResult<f32>(isSNaNBits<f64>(a));
  const s = signOf<f64>(a);
  if (isInfBits<f64>(a)) return <u32>packInf<f32>(s);
  if (isZeroBits<f64>(a)) return <u32>packZero<f32>(s);
  const sig = unpack<f64>(a);
  return <u32>roundPack<f32>(s, unpExp, sig, rm);
}
