// Execution of F and D instructions (unprivileged ISA 20191213 chapters 11 "F" and 12 "D") on top of the
// soft-float library in fpu.ts: operand NaN-unboxing and result NaN-boxing (§12.2), rounding-mode resolution
// (§11.2: rm = 7 selects frm; reserved values raise illegal-instruction), fflags accumulation, FS tracking
// (privileged ISA §3.1.6.6). Loads and stores of FP registers live in exec.ts with the other memory ops.
import { HART_F, HART_FCSR, HART_MSTATUS } from './gen/layout';
import { H, rd64, wr64, MS_FS } from './hart';
import { setFsDirty } from './csr';
import * as G from './gen/isa';
import * as F from './fpu';

const CANON32: u32 = 0x7fc00000;
const BOX: u64 = 0xffffffff00000000;

@inline function fr(i: u32): u64 { return load<u64>(H + HART_F + (i << 3)); }
/** Reads an f32 operand: an improperly NaN-boxed value reads as the canonical NaN (§12.2). */
@inline function fr32(i: u32): u32 { const v = fr(i); return (v >> 32) == 0xffffffff ? <u32>v : CANON32; }
@inline function wf(i: u32, v: u64): void { store<u64>(H + HART_F + (i << 3), v); }
@inline function wf32(i: u32, v: u32): void { store<u64>(H + HART_F + (i << 3), BOX | <u64>v); }
@inline function xr(i: u32): u64 { return load<u64>(H + (i << 3)); }
@inline function wx(i: u32, v: u64): void { store<u64>(H + (i << 3), v); }
@inline function sx32(v: u64): u64 { return <u64><i64><i32><u32>v; }

/** True when the FP unit is enabled (mstatus.FS != Off). */
@inline export function fpEnabled(): bool { return (rd64(HART_MSTATUS) & MS_FS) != 0; }

/**
 * Executes an FP op described by the op record at rec. Returns false for an illegal instruction
 * (FS off, or a reserved rounding mode); the caller raises the exception.
 */
export function execFp(op: u32, rec: usize): bool {
  if (!fpEnabled()) return false;
  const rd = <u32>load<u8>(rec, 1);
  const a = <u32>load<u8>(rec, 2);
  const b = <u32>load<u8>(rec, 3);
  const aux = <u32>load<u8>(rec, 4);
  const c = aux & 31;
  let rm = aux >> 5;
  if (rm == 7) rm = <u32>(rd64(HART_FCSR) >> 5) & 7;
  F.fpFlags = 0;
  let writesF = true;
  switch (op) {
    // ---- binary32 ----
    case G.OP_FADD_S: if (rm > 4) return false; wf32(rd, F.f32_add(fr32(a), fr32(b), rm)); break;
    case G.OP_FSUB_S: if (rm > 4) return false; wf32(rd, F.f32_sub(fr32(a), fr32(b), rm)); break;
    case G.OP_FMUL_S: if (rm > 4) return false; wf32(rd, F.f32_mul(fr32(a), fr32(b), rm)); break;
    case G.OP_FDIV_S: if (rm > 4) return false; wf32(rd, F.f32_div(fr32(a), fr32(b), rm)); break;
    case G.OP_FSQRT_S: if (rm > 4) return false; wf32(rd, F.f32_sqrt(fr32(a), rm)); break;
    case G.OP_FMADD_S: if (rm > 4) return false; wf32(rd, F.f32_fma(fr32(a), fr32(b), fr32(c), rm)); break;
    case G.OP_FMSUB_S: if (rm > 4) return false; wf32(rd, F.f32_fma(fr32(a), fr32(b), fr32(c) ^ 0x80000000, rm)); break;
    case G.OP_FNMSUB_S: if (rm > 4) return false; wf32(rd, F.f32_fma(fr32(a) ^ 0x80000000, fr32(b), fr32(c), rm)); break;
    case G.OP_FNMADD_S: if (rm > 4) return false; wf32(rd, F.f32_fma(fr32(a) ^ 0x80000000, fr32(b), fr32(c) ^ 0x80000000, rm)); break;
    case G.OP_FSGNJ_S: wf32(rd, (fr32(a) & 0x7fffffff) | (fr32(b) & 0x80000000)); break;
    case G.OP_FSGNJN_S: wf32(rd, (fr32(a) & 0x7fffffff) | (~fr32(b) & 0x80000000)); break;
    case G.OP_FSGNJX_S: wf32(rd, fr32(a) ^ (fr32(b) & 0x80000000)); break;
    case G.OP_FMIN_S: wf32(rd, F.f32_min(fr32(a), fr32(b))); break;
    case G.OP_FMAX_S: wf32(rd, F.f32_max(fr32(a), fr32(b))); break;
    case G.OP_FCVT_W_S: if (rm > 4) return false; wx(rd, F.f32_to_i32(fr32(a), rm)); writesF = false; break;
    case G.OP_FCVT_WU_S: if (rm > 4) return false; wx(rd, F.f32_to_u32(fr32(a), rm)); writesF = false; break;
    case G.OP_FCVT_L_S: if (rm > 4) return false; wx(rd, F.f32_to_i64(fr32(a), rm)); writesF = false; break;
    case G.OP_FCVT_LU_S: if (rm > 4) return false; wx(rd, F.f32_to_u64(fr32(a), rm)); writesF = false; break;
    case G.OP_FMV_X_W: wx(rd, sx32(fr(a))); writesF = false; break;
    case G.OP_FEQ_S: wx(rd, F.f32_eq(fr32(a), fr32(b))); writesF = false; break;
    case G.OP_FLT_S: wx(rd, F.f32_lt(fr32(a), fr32(b))); writesF = false; break;
    case G.OP_FLE_S: wx(rd, F.f32_le(fr32(a), fr32(b))); writesF = false; break;
    case G.OP_FCLASS_S: wx(rd, F.f32_classify(fr32(a))); writesF = false; break;
    case G.OP_FCVT_S_W: if (rm > 4) return false; wf32(rd, F.i32_to_f32(xr(a), rm)); break;
    case G.OP_FCVT_S_WU: if (rm > 4) return false; wf32(rd, F.u32_to_f32(xr(a), rm)); break;
    case G.OP_FCVT_S_L: if (rm > 4) return false; wf32(rd, F.i64_to_f32(xr(a), rm)); break;
    case G.OP_FCVT_S_LU: if (rm > 4) return false; wf32(rd, F.u64_to_f32(xr(a), rm)); break;
    case G.OP_FMV_W_X: wf32(rd, <u32>xr(a)); break;
    // ---- binary64 ----
    case G.OP_FADD_D: if (rm > 4) return false; wf(rd, F.f64_add(fr(a), fr(b), rm)); break;
    case G.OP_FSUB_D: if (rm > 4) return false; wf(rd, F.f64_sub(fr(a), fr(b), rm)); break;
    case G.OP_FMUL_D: if (rm > 4) return false; wf(rd, F.f64_mul(fr(a), fr(b), rm)); break;
    case G.OP_FDIV_D: if (rm > 4) return false; wf(rd, F.f64_div(fr(a), fr(b), rm)); break;
    case G.OP_FSQRT_D: if (rm > 4) return false; wf(rd, F.f64_sqrt(fr(a), rm)); break;
    case G.OP_FMADD_D: if (rm > 4) return false; wf(rd, F.f64_fma(fr(a), fr(b), fr(c), rm)); break;
    case G.OP_FMSUB_D: if (rm > 4) return false; wf(rd, F.f64_fma(fr(a), fr(b), fr(c) ^ 0x8000000000000000, rm)); break;
    case G.OP_FNMSUB_D: if (rm > 4) return false; wf(rd, F.f64_fma(fr(a) ^ 0x8000000000000000, fr(b), fr(c), rm)); break;
    case G.OP_FNMADD_D: if (rm > 4) return false; wf(rd, F.f64_fma(fr(a) ^ 0x8000000000000000, fr(b), fr(c) ^ 0x8000000000000000, rm)); break;
    case G.OP_FSGNJ_D: wf(rd, (fr(a) & 0x7fffffffffffffff) | (fr(b) & 0x8000000000000000)); break;
    case G.OP_FSGNJN_D: wf(rd, (fr(a) & 0x7fffffffffffffff) | (~fr(b) & 0x8000000000000000)); break;
    case G.OP_FSGNJX_D: wf(rd, fr(a) ^ (fr(b) & 0x8000000000000000)); break;
    case G.OP_FMIN_D: wf(rd, F.f64_min(fr(a), fr(b))); break;
    case G.OP_FMAX_D: wf(rd, F.f64_max(fr(a), fr(b))); break;
    case G.OP_FCVT_S_D: if (rm > 4) return false; wf32(rd, F.f64_to_f32(fr(a), rm)); break;
    case G.OP_FCVT_D_S: if (rm > 4) return false; wf(rd, F.f32_to_f64(fr32(a))); break;
    case G.OP_FEQ_D: wx(rd, F.f64_eq(fr(a), fr(b))); writesF = false; break;
    case G.OP_FLT_D: wx(rd, F.f64_lt(fr(a), fr(b))); writesF = false; break;
    case G.OP_FLE_D: wx(rd, F.f64_le(fr(a), fr(b))); writesF = false; break;
    case G.OP_FCLASS_D: wx(rd, F.f64_classify(fr(a))); writesF = false; break;
    case G.OP_FCVT_W_D: if (rm > 4) return false; wx(rd, F.f64_to_i32(fr(a), rm)); writesF = false; break;
    case G.OP_FCVT_WU_D: if (rm > 4) return false; wx(rd, F.f64_to_u32(fr(a), rm)); writesF = false; break;
    case G.OP_FCVT_L_D: if (rm > 4) return false; wx(rd, F.f64_to_i64(fr(a), rm)); writesF = false; break;
    case G.OP_FCVT_LU_D: if (rm > 4) return false; wx(rd, F.f64_to_u64(fr(a), rm)); writesF = false; break;
    case G.OP_FMV_X_D: wx(rd, fr(a)); writesF = false; break;
    case G.OP_FCVT_D_W: if (rm > 4) return false; wf(rd, F.i32_to_f64(xr(a), rm)); break;
    case G.OP_FCVT_D_WU: if (rm > 4) return false; wf(rd, F.u32_to_f64(xr(a), rm)); break;
    case G.OP_FCVT_D_L: if (rm > 4) return false; wf(rd, F.i64_to_f64(xr(a), rm)); break;
    case G.OP_FCVT_D_LU: if (rm > 4) return false; wf(rd, F.u64_to_f64(xr(a), rm)); break;
    case G.OP_FMV_D_X: wf(rd, xr(a)); break;
    default: return false;
  }
  const flags = F.fpFlags;
  if (flags != 0) wr64(HART_FCSR, rd64(HART_FCSR) | flags);
  if (writesF || flags != 0) setFsDirty();
  return true;
}
