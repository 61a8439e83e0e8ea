// RVC expansion: each 16-bit compressed instruction is defined by the 32-bit instruction it expands to
// (RISC-V unprivileged ISA 20191213, chapter 16 "C" Standard Extension, §16.3–16.8 and Tables 16.5–16.7).
// Each x_* function takes the 16-bit parcel and returns the 32-bit encoding, or 0 for a reserved encoding
// (the caller then raises illegal-instruction with tval = the 16 bits). HINT encodings expand to their
// architecturally-defined no-effect form (e.g. writes to x0). Dispatch is generated in gen/isa.ts.

@inline function encI(opc: u32, f3: u32, rd: u32, rs1: u32, imm: i32): u32 {
  return ((<u32>imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
@inline function encS(opc: u32, f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) | opc;
}
@inline function encR(opc: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32): u32 {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
@inline function encB(f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
@inline function encJ(rd: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) | (((u >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
@inline function sext(v: u32, bits: i32): i32 { return (<i32>(v << (32 - bits))) >> (32 - bits); }

// Register fields.
@inline function rdp(h: u32): u32 { return 8 + ((h >> 2) & 7); }   // rd' / rs2' in bits 4:2
@inline function rs1p(h: u32): u32 { return 8 + ((h >> 7) & 7); }  // rs1' / rd' in bits 9:7
@inline function rfull(h: u32): u32 { return (h >> 7) & 31; }      // rd / rs1 in bits 11:7
@inline function rs2full(h: u32): u32 { return (h >> 2) & 31; }    // rs2 in bits 6:2
// Immediates.
@inline function imm6(h: u32): i32 { return sext(((h >> 7) & 0x20) | ((h >> 2) & 0x1f), 6); }
@inline function uimmCLw(h: u32): i32 { return <i32>(((h >> 7) & 0x38) | ((h << 1) & 0x40) | ((h >> 4) & 4)); }
@inline function uimmCLd(h: u32): i32 { return <i32>(((h >> 7) & 0x38) | ((h << 1) & 0xc0)); }
@inline function uimmLwsp(h: u32): i32 { return <i32>(((h >> 7) & 0x20) | ((h >> 2) & 0x1c) | ((h << 4) & 0xc0)); }
@inline function uimmLdsp(h: u32): i32 { return <i32>(((h >> 7) & 0x20) | ((h >> 2) & 0x18) | ((h << 4) & 0x1c0)); }
@inline function uimmSwsp(h: u32): i32 { return <i32>(((h >> 7) & 0x3c) | ((h >> 1) & 0xc0)); }
@inline function uimmSdsp(h: u32): i32 { return <i32>(((h >> 7) & 0x38) | ((h >> 1) & 0x1c0)); }
@inline function shamt6(h: u32): i32 { return <i32>(((h >> 7) & 0x20) | ((h >> 2) & 0x1f)); }
@inline function immJ(h: u32): i32 {
  return sext(((h >> 1) & 0x800) | ((h >> 7) & 0x10) | ((h >> 1) & 0x300) | ((h << 2) & 0x400) |
    ((h >> 1) & 0x40) | ((h << 1) & 0x80) | ((h >> 2) & 0xe) | ((h << 3) & 0x20), 12);
}
@inline function immB(h: u32): i32 {
  return sext(((h >> 4) & 0x100) | ((h >> 7) & 0x18) | ((h << 1) & 0xc0) | ((h >> 2) & 6) | ((h << 3) & 0x20), 9);
}

// Quadrant 0.
export function x_addi4spn(h: u32): u32 {
  const imm = ((h >> 7) & 0x30) | ((h >> 1) & 0x3c0) | ((h >> 4) & 4) | ((h >> 2) & 8);
  if (imm == 0) return 0; // reserved (includes the all-zero parcel)
  return encI(0x13, 0, rdp(h), 2, <i32>imm);
}
export function x_fld(h: u32): u32 { return encI(0x07, 3, rdp(h), rs1p(h), uimmCLd(h)); }
export function x_lw(h: u32): u32 { return encI(0x03, 2, rdp(h), rs1p(h), uimmCLw(h)); }
export function x_ld(h: u32): u32 { return encI(0x03, 3, rdp(h), rs1p(h), uimmCLd(h)); }
export function x_fsd(h: u32): u32 { return encS(0x27, 3, rs1p(h), rdp(h), uimmCLd(h)); }
export function x_sw(h: u32): u32 { return encS(0x23, 2, rs1p(h), rdp(h), uimmCLw(h)); }
export function x_sd(h: u32): u32 { return encS(0x23, 3, rs1p(h), rdp(h), uimmCLd(h)); }

// Quadrant 1.
export function x_addi(h: u32): u32 { const r = rfull(h); return encI(0x13, 0, r, r, imm6(h)); }
export function x_addiw(h: u32): u32 {
  const r = rfull(h);
  if (r == 0) return 0; // reserved
  return encI(0x1b, 0, r, r, imm6(h));
}
export function x_li(h: u32): u32 { return encI(0x13, 0, rfull(h), 0, imm6(h)); }
export function x_addi16sp(h: u32): u32 {
  const imm = sext(((h >> 3) & 0x200) | ((h >> 2) & 0x10) | ((h << 1) & 0x40) | ((h << 4) & 0x180) | ((h << 3) & 0x20), 10);
  if (imm == 0) return 0; // reserved
  return encI(0x13, 0, 2, 2, imm);
}
export function x_lui(h: u32): u32 {
  const imm = imm6(h);
  if (imm == 0) return 0; // reserved
  return ((<u32>imm << 12) & 0xfffff000) | (rfull(h) << 7) | 0x37;
}
export function x_srli(h: u32): u32 { const r = rs1p(h); return encI(0x13, 5, r, r, shamt6(h)); }
export function x_srai(h: u32): u32 { const r = rs1p(h); return encI(0x13, 5, r, r, shamt6(h) | 0x400); }
export function x_andi(h: u32): u32 { const r = rs1p(h); return encI(0x13, 7, r, r, imm6(h)); }
export function x_sub(h: u32): u32 { const r = rs1p(h); return encR(0x33, 0, 0x20, r, r, rdp(h)); }
export function x_xor(h: u32): u32 { const r = rs1p(h); return encR(0x33, 4, 0, r, r, rdp(h)); }
export function x_or(h: u32): u32 { const r = rs1p(h); return encR(0x33, 6, 0, r, r, rdp(h)); }
export function x_and(h: u32): u32 { const r = rs1p(h); return encR(0x33, 7, 0, r, r, rdp(h)); }
export function x_subw(h: u32): u32 { const r = rs1p(h); return encR(0x3b, 0, 0x20, r, r, rdp(h)); }
export function x_addw(h: u32): u32 { const r = rs1p(h); return encR(0x3b, 0, 0, r, r, rdp(h)); }
export function x_j(h: u32): u32 { return encJ(0, immJ(h)); }
export function x_beqz(h: u32): u32 { return encB(0, rs1p(h), 0, immB(h)); }
export function x_bnez(h: u32): u32 { return encB(1, rs1p(h), 0, immB(h)); }

// Quadrant 2.
export function x_slli(h: u32): u32 { const r = rfull(h); return encI(0x13, 1, r, r, shamt6(h)); }
export function x_fldsp(h: u32): u32 { return encI(0x07, 3, rfull(h), 2, uimmLdsp(h)); }
export function x_lwsp(h: u32): u32 {
  const r = rfull(h);
  if (r == 0) return 0; // reserved
  return encI(0x03, 2, r, 2, uimmLwsp(h));
}
export function x_ldsp(h: u32): u32 {
  const r = rfull(h);
  if (r == 0) return 0; // reserved
  return encI(0x03, 3, r, 2, uimmLdsp(h));
}
export function x_ebreak(h: u32): u32 { return 0x00100073; }
export function x_jr(h: u32): u32 {
  const r = rfull(h);
  if (r == 0) return 0; // reserved
  return encI(0x67, 0, 0, r, 0);
}
export function x_mv(h: u32): u32 { return encR(0x33, 0, 0, rfull(h), 0, rs2full(h)); }
export function x_jalr(h: u32): u32 { return encI(0x67, 0, 1, rfull(h), 0); }
export function x_add(h: u32): u32 { const r = rfull(h); return encR(0x33, 0, 0, r, r, rs2full(h)); }
export function x_fsdsp(h: u32): u32 { return encS(0x27, 3, 2, rs2full(h), uimmSdsp(h)); }
export function x_swsp(h: u32): u32 { return encS(0x23, 2, 2, rs2full(h), uimmSwsp(h)); }
export function x_sdsp(h: u32): u32 { return encS(0x23, 3, 2, rs2full(h), uimmSdsp(h)); }
