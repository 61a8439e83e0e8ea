// Address translation, physical memory protection, the software TLBs and the slow paths of memory access.
//
// Specs: privileged ISA 1.12 §4.3 (Sv32 algorithm, generalised by §4.4 Sv39 / §4.5 Sv48), §3.7 (PMP),
// §3.1.6.3 (MPRV, MXR, SUM). A/D bits are updated by the walker (the "hardware" scheme of §4.3.1).
//
// TLBs: per hart, per privilege (U, S, M) and per access kind (X, R, W), TLB_ENTRIES direct-mapped entries of
// {tag: u64 virtual page (all-ones = invalid), addend: u64 host - virtual}. The fast paths in exec.ts hit when
// `tag == va & (~0xfff | (size - 1))`: a misaligned access never matches and comes here. Only RAM pages that
// PMP allows uniformly are cached; MMIO never is. Stores to pages holding decoded code or a watched word
// (HTIF tohost) are kept out of the W TLB so they always come through storeSlow().
import {
  HART_SATP, HART_MSTATUS, HART_SUPER_KEYS, HART_SUPER_OVERFLOW, HART_PMPCFG, HART_PMPADDR, HART_TLB, HART_TLB_R, HART_TLB_W, HART_TLB_X,
  HART_STRIDE, HARTS_BASE, MAX_HARTS, SYS_BASE, SYS_RAM_SIZE, SYS_MMIO_STATUS, SYS_MMIO_HI, SYS_WATCH_ADDR,
  SYS_WATCH_VALUE, SYS_EXIT_REQUEST, SYS_STAT_TLB_MISSES, SYS_STAT_TLB_FLUSHES, SYS_STAT_CODE_INVALIDATIONS, SYS_NHARTS,
  RAM_HOST_BASE, RAM_GUEST_BASE, PAGE_FLAGS_BASE, PAGE_GEN_BASE, PAGEFLAG_CODE, PAGEFLAG_WATCH, PAGEFLAG_JIT,
  TLB_ENTRIES, TLB_ENTRY_SIZE,
} from './gen/layout';
import {
  H, rd64, TLB_COUNT, PRV_M, PRV_S, PRV_U, ACC_FETCH, ACC_LOAD, ACC_STORE, MS_MXR, MS_SUM, dataPriv, priv,
  CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE,
  CAUSE_MISALIGNED_STORE, CAUSE_MISALIGNED_LOAD,
} from './hart';
import { raiseException } from './trap';

@external("env", "mmioRead") declare function mmioRead(pa: u32, sizeLog2: u32): u32;
@external("env", "mmioWrite") declare function mmioWrite(pa: u32, sizeLog2: u32, lo: u32, hi: u32): void;

/** Set when the last translate()/access raised an exception (the hart's pc already points at the handler). */
export let fault: bool = false;

const TLB_BYTES: u32 = TLB_COUNT * TLB_ENTRIES * TLB_ENTRY_SIZE;

/** Invalidates every TLB entry of the running hart. */
export function flushTlb(): void {
  store<u64>(SYS_BASE + SYS_STAT_TLB_FLUSHES, load<u64>(SYS_BASE + SYS_STAT_TLB_FLUSHES) + 1);
  memory.fill(H + HART_TLB, 0xff, TLB_BYTES);
  memory.fill(H + HART_SUPER_KEYS, 0, SUPER_SLOTS * 8);
  store<u32>(H + HART_SUPER_OVERFLOW, 0);
}

// Superpage bookkeeping for SFENCE.VMA with an address (privileged ISA §4.2.1): a superpage translation is
// cached as 4 KiB TLB entries, so invalidating the leaf that maps one address must drop every entry filled
// from that superpage. Fills from superpages record (region base | level) in a small hash set; a targeted
// fence whose address lies in a recorded region scans the TLBs for that region.
const SUPER_SLOTS: u32 = 512;
/** Level of the leaf found by the last translate() (0 = 4 KiB page or no translation). */
let lastLevel: u32 = 0;

@inline function superSlot(key: u64): usize {
  return H + HART_SUPER_KEYS + ((<usize>((key >> 21) ^ (key >> 30) ^ (key >> 39)) & (SUPER_SLOTS - 1)) << 3);
}

function recordSuperpage(va: u64, level: u32): void {
  const base = va & ~((<u64>1 << (12 + 9 * <u64>level)) - 1);
  const key = base | <u64>level;
  const slot = superSlot(key);
  const cur = load<u64>(slot);
  if (cur == key) return;
  if (cur != 0) store<u32>(H + HART_SUPER_OVERFLOW, 1);
  store<u64>(slot, key);
}

/** SFENCE.VMA rs1=va: invalidates the translations of the leaf mapping va on the running hart. */
export function flushTlbPage(va: u64): void {
  if (load<u32>(H + HART_SUPER_OVERFLOW) != 0) { flushTlb(); return; }
  const page = va & ~<u64>0xfff;
  const idx = tlbIndex(va);
  for (let k: u32 = 0; k < TLB_COUNT; k++) {
    const e = H + HART_TLB + <usize>k * TLB_ENTRIES * TLB_ENTRY_SIZE + idx;
    if (load<u64>(e) == page) store<u64>(e, 0xffffffffffffffff);
  }
  for (let level: u32 = 1; level <= 3; level++) {
    const size = <u64>1 << (12 + 9 * <u64>level);
    const base = va & ~(size - 1);
    const key = base | <u64>level;
    const slot = superSlot(key);
    if (load<u64>(slot) != key) continue;
    store<u64>(slot, 0);
    for (let i: u32 = 0; i < TLB_COUNT * TLB_ENTRIES; i++) {
      const e = H + HART_TLB + <usize>i * TLB_ENTRY_SIZE;
      const tag = load<u64>(e);
      if (tag - base < size) store<u64>(e, 0xffffffffffffffff);
    }
  }
}

/** Invalidates every TLB of every hart (after PMP changes that affect all, or host writes). */
export function flushAllTlbs(): void {
  const n = load<u32>(SYS_BASE + SYS_NHARTS);
  for (let i: u32 = 0; i < n && i < MAX_HARTS; i++) memory.fill(HARTS_BASE + <usize>i * HART_STRIDE + HART_TLB, 0xff, TLB_BYTES);
}

@inline function ramSize(): u64 { return load<u64>(SYS_BASE + SYS_RAM_SIZE); }

/** Host address of [pa, pa+len) when it lies in RAM, else 0. */
export function ramHost(pa: u64, len: u32): usize {
  const off = pa - RAM_GUEST_BASE;
  const size = ramSize();
  if (off < size && off + len <= size) return <usize>(RAM_HOST_BASE + off);
  return 0;
}

function accessFaultCause(acc: u32): u64 {
  return acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_LOAD ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS;
}
function pageFaultCause(acc: u32): u64 {
  return acc == ACC_FETCH ? CAUSE_FETCH_PAGE : acc == ACC_LOAD ? CAUSE_LOAD_PAGE : CAUSE_STORE_PAGE;
}

// ---------------------------------------------------------------------------------------------------------
// PMP (§3.7). pmpcfg: R=1 W=2 X=4 A=3<<3 (OFF, TOR, NA4, NAPOT) L=0x80. pmpaddr holds address bits 55:2.

/** Range [lo, hi) of PMP entry i (hi = 0 when OFF). */
function pmpRange(i: u32, cfg: u32): u64 {
  // returns lo; hi through pmpHi
  const a = (cfg >> 3) & 3;
  const addr = load<u64>(H + HART_PMPADDR + (i << 3)) & 0x3fffffffffffff;
  if (a == 1) { pmpHi = addr << 2; return i == 0 ? 0 : (load<u64>(H + HART_PMPADDR + ((i - 1) << 3)) & 0x3fffffffffffff) << 2; }
  if (a == 2) { pmpHi = (addr << 2) + 4; return addr << 2; }
  // NAPOT: trailing ones t → region of 2^(t+3) bytes.
  const t = <u64>ctz(~addr);
  if (t >= 54) { pmpHi = 0xffffffffffffffff; return 0; }
  const base = (addr & ~((<u64>1 << t) - 1)) << 2;
  pmpHi = base + (<u64>1 << (t + 3));
  return base;
}
let pmpHi: u64 = 0;

/** PMP decision for a whole 4 KiB page: 0 deny, 1 allow, 2 not uniform (do not cache in a TLB). */
function pmpPage(page: u64, acc: u32, p: u32): u32 {
  for (let i: u32 = 0; i < 16; i++) {
    const cfg = <u32>load<u8>(H + HART_PMPCFG + i);
    if (((cfg >> 3) & 3) == 0) continue;
    const lo = pmpRange(i, cfg);
    const hi = pmpHi;
    if (page + 4096 <= lo || page >= hi) continue;
    if (page < lo || page + 4096 > hi) return 2;
    if (p == PRV_M && (cfg & 0x80) == 0) return 1;
    return ((cfg >> pmpBit(acc)) & 1) != 0 ? 1 : 0;
  }
  // No entry matched: M-mode succeeds, S/U fail (§3.7.1: all 16 entries are implemented).
  return p == PRV_M ? 1 : 0;
}

/** Bit of pmpcfg holding the permission for an access kind. */
@inline function pmpBit(acc: u32): u32 { return acc == ACC_FETCH ? 2 : acc == ACC_LOAD ? 0 : 1; }

/** Checks an access of len bytes at pa against PMP (§3.7.1): true when allowed. */
export function pmpAllowed(pa: u64, len: u64, acc: u32, p: u32): bool {
  for (let i: u32 = 0; i < 16; i++) {
    const cfg = <u32>load<u8>(H + HART_PMPCFG + i);
    if (((cfg >> 3) & 3) == 0) continue;
    const lo = pmpRange(i, cfg);
    const hi = pmpHi;
    if (pa + len <= lo || pa >= hi) continue;
    if (pa < lo || pa + len > hi) return false;
    if (p == PRV_M && (cfg & 0x80) == 0) return true;
    return ((cfg >> pmpBit(acc)) & 1) != 0;
  }
  return p == PRV_M;
}

// ---------------------------------------------------------------------------------------------------------
// Page-table walk (§4.3.2, generalised to Sv39/Sv48).

/**
 * Translates va for an access kind at privilege p. Returns the physical address. On a fault, raises the
 * exception (tval = va) and sets `fault`.
 */
export function translate(va: u64, acc: u32, p: u32): u64 {
  fault = false;
  lastLevel = 0;
  const satp = rd64(HART_SATP);
  const mode = <u32>(satp >> 60);
  if (p == PRV_M || mode == 0) return va;
  const levels: i32 = mode == 8 ? 3 : 4;
  const vaBits: u64 = 12 + 9 * <u64>levels;
  // Bits 63..vaBits must equal bit vaBits-1 (§4.4.1).
  if (<u64>((<i64>(va << (64 - vaBits))) >> (64 - vaBits)) != va) { raiseException(pageFaultCause(acc), va); fault = true; return 0; }
  let a: u64 = (satp & 0xfffffffffff) << 12;
  const ms = rd64(HART_MSTATUS);
  for (let i: i32 = levels - 1; i >= 0; i--) {
    const pteAddr = a + (((va >> (12 + 9 * <u64>i)) & 511) << 3);
    const host = ramHost(pteAddr, 8);
    if (host == 0 || !pmpAllowed(pteAddr, 8, ACC_LOAD, PRV_S)) { raiseException(accessFaultCause(acc), va); fault = true; return 0; }
    let pte = load<u64>(host);
    const r = (pte >> 1) & 1, w = (pte >> 2) & 1, x = (pte >> 3) & 1;
    // Invalid, W without R, or reserved/unsupported high bits (N, PBMT, bits 60:54) set → page fault.
    if ((pte & 1) == 0 || (r == 0 && w == 1) || (pte >> 54) != 0) break;
    if (r == 0 && x == 0) {
      if (i == 0) break;
      a = ((pte >> 10) & 0xfffffffffff) << 12;
      continue;
    }
    // Leaf.
    const u = (pte >> 4) & 1;
    if (p == PRV_U && u == 0) break;
    if (p == PRV_S && u == 1 && (acc == ACC_FETCH || (ms & MS_SUM) == 0)) break;
    if (acc == ACC_FETCH) { if (x == 0) break; }
    else if (acc == ACC_LOAD) { if (r == 0 && !((ms & MS_MXR) != 0 && x == 1)) break; }
    else if (w == 0) break;
    const ppn = (pte >> 10) & 0xfffffffffff;
    const lowBits: u64 = 9 * <u64>i;
    if (i > 0 && (ppn & ((<u64>1 << lowBits) - 1)) != 0) break; // misaligned superpage
    const need: u64 = acc == ACC_STORE ? 0xc0 : 0x40; // A (and D for stores)
    if ((pte & need) != need) {
      pte |= need;
      store<u64>(host, pte);
    }
    lastLevel = <u32>i;
    const offMask: u64 = (<u64>1 << (12 + lowBits)) - 1;
    return ((ppn << 12) & ~offMask) | (va & offMask);
  }
  raiseException(pageFaultCause(acc), va);
  fault = true;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// TLB fill and slow paths.

@inline function tlbIndex(va: u64): u32 { return (<u32>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE; }

/** Fills the entry for va's page in the TLB at tlb, pointing at host page hostPage. */
@inline function tlbFill(tlb: usize, va: u64, hostPage: usize): void {
  if (lastLevel != 0) recordSuperpage(va, lastLevel);
  const e = tlb + tlbIndex(va);
  store<u64>(e, va & ~<u64>0xfff);
  store<u64>(e, <u64>hostPage - (va & ~<u64>0xfff), 8);
}

/**
 * Translates the fetch of pc and returns the host address of pc (always RAM), filling the X TLB.
 * Returns 0 after raising a fetch exception.
 */
export function fetchSlow(pc: u64): usize {
  const p = priv();
  const pa = translate(pc, ACC_FETCH, p);
  if (fault) return 0;
  const host = ramHost(pa & ~<u64>0xfff, 4096);
  const perm = host == 0 ? 0 : pmpPage(pa & ~<u64>0xfff, ACC_FETCH, p);
  if (perm == 0 || (perm == 2 && !pmpAllowed(pa, 2, ACC_FETCH, p))) { raiseException(CAUSE_FETCH_ACCESS, pc); fault = true; return 0; }
  store<u64>(SYS_BASE + SYS_STAT_TLB_MISSES, load<u64>(SYS_BASE + SYS_STAT_TLB_MISSES) + 1);
  if (perm == 1) tlbFill(load<u32>(H + HART_TLB_X), pc, host);
  return host + <usize>(pc & 0xfff);
}

/** Loads size bytes (1, 2, 4, 8) at va, zero-extended. Sets `fault` after raising an exception. */
export function loadSlow(va: u64, size: u32): u64 {
  fault = false;
  if ((va & (size - 1)) != 0) {
    // Misaligned: emulated byte by byte (each byte may fault with its own address).
    let v: u64 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const b = loadSlow(va + i, 1);
      if (fault) return 0;
      v |= b << (8 * <u64>i);
    }
    return v;
  }
  const p = dataPriv();
  const pa = translate(va, ACC_LOAD, p);
  if (fault) return 0;
  const host = ramHost(pa, size);
  if (host != 0) {
    const perm = pmpPage(pa & ~<u64>0xfff, ACC_LOAD, p);
    if (perm == 0 || (perm == 2 && !pmpAllowed(pa, size, ACC_LOAD, p))) { raiseException(CAUSE_LOAD_ACCESS, va); fault = true; return 0; }
    if (perm == 1) {
      store<u64>(SYS_BASE + SYS_STAT_TLB_MISSES, load<u64>(SYS_BASE + SYS_STAT_TLB_MISSES) + 1);
      tlbFill(load<u32>(H + HART_TLB_R), va, host & ~<usize>0xfff);
    }
    if (size == 8) return load<u64>(host);
    if (size == 4) return <u64>load<u32>(host);
    if (size == 2) return <u64>load<u16>(host);
    return <u64>load<u8>(host);
  }
  // MMIO: no TLB; the bus reports unclaimed addresses as access faults.
  if (pa >= 0x100000000 || !pmpAllowed(pa, size, ACC_LOAD, p)) { raiseException(CAUSE_LOAD_ACCESS, va); fault = true; return 0; }
  const lo = mmioRead(<u32>pa, <u32>ctz(size));
  if (load<u32>(SYS_BASE + SYS_MMIO_STATUS) != 0) { raiseException(CAUSE_LOAD_ACCESS, va); fault = true; return 0; }
  let v = <u64>lo;
  if (size == 8) v |= <u64>load<u32>(SYS_BASE + SYS_MMIO_HI) << 32;
  else if (size < 4) v &= (<u64>1 << (8 * <u64>size)) - 1;
  return v;
}

/** Marks a RAM page as holding decoded code, removing it from every hart's W TLBs. */
export function markCodePage(host: usize): void {
  const page = (host - RAM_HOST_BASE) >> 12;
  const f = PAGE_FLAGS_BASE + page;
  const flags = load<u8>(f);
  if (flags & PAGEFLAG_CODE) return;
  store<u8>(f, flags | PAGEFLAG_CODE);
  dropFromWriteTlbs(host & ~<usize>0xfff);
}

/** Removes W-TLB entries pointing at a host page from every hart. */
export function dropFromWriteTlbs(hostPage: usize): void {
  const n = load<u32>(SYS_BASE + SYS_NHARTS);
  for (let h: u32 = 0; h < n && h < MAX_HARTS; h++) {
    const base = HARTS_BASE + <usize>h * HART_STRIDE + HART_TLB;
    for (let m: u32 = 0; m < 4; m++) {
      // The store TLBs: U, S, M, and S with SUM = 1 (array 10).
      const t = base + <usize>(m < 3 ? m * 3 + ACC_STORE : TLB_COUNT - 1) * TLB_ENTRIES * TLB_ENTRY_SIZE;
      for (let i: u32 = 0; i < TLB_ENTRIES; i++) {
        const e = t + i * TLB_ENTRY_SIZE;
        const tag = load<u64>(e);
        if (tag != 0xffffffffffffffff && <usize>(tag + load<u64>(e, 8)) == hostPage) store<u64>(e, 0xffffffffffffffff);
      }
    }
  }
}

/** Called before a store to a RAM host address range; invalidates decoded code on the page. */
@inline function codeWriteCheck(host: usize): u8 {
  const page = (host - RAM_HOST_BASE) >> 12;
  const f = PAGE_FLAGS_BASE + page;
  const flags = load<u8>(f);
  if (flags & PAGEFLAG_CODE) {
    store<u8>(f, flags & ~(<u8>(PAGEFLAG_CODE | PAGEFLAG_JIT)));
    const g = PAGE_GEN_BASE + (page << 2);
    store<u32>(g, load<u32>(g) + 1);
    store<u64>(SYS_BASE + SYS_STAT_CODE_INVALIDATIONS, load<u64>(SYS_BASE + SYS_STAT_CODE_INVALIDATIONS) + 1);
  }
  return flags & ~(<u8>(PAGEFLAG_CODE | PAGEFLAG_JIT));
}

/**
 * Translates a store of size bytes at va and returns its host address (RAM), or 0 for MMIO (then `mmioPa`
 * holds the physical address). Sets `fault` after raising an exception. Also used by AMOs.
 */
export let mmioPa: u64 = 0;
export function storeTranslate(va: u64, size: u32): usize {
  fault = false;
  const p = dataPriv();
  const pa = translate(va, ACC_STORE, p);
  if (fault) return 0;
  const host = ramHost(pa, size);
  if (host != 0) {
    const perm = pmpPage(pa & ~<u64>0xfff, ACC_STORE, p);
    if (perm == 0 || (perm == 2 && !pmpAllowed(pa, size, ACC_STORE, p))) { raiseException(CAUSE_STORE_ACCESS, va); fault = true; return 0; }
    const flags = codeWriteCheck(host);
    if (perm == 1 && (flags & PAGEFLAG_WATCH) == 0) {
      store<u64>(SYS_BASE + SYS_STAT_TLB_MISSES, load<u64>(SYS_BASE + SYS_STAT_TLB_MISSES) + 1);
      tlbFill(load<u32>(H + HART_TLB_W), va, host & ~<usize>0xfff);
    }
    return host;
  }
  if (pa >= 0x100000000 || !pmpAllowed(pa, size, ACC_STORE, p)) { raiseException(CAUSE_STORE_ACCESS, va); fault = true; return 0; }
  mmioPa = pa;
  return 0;
}

/** Checks a store to a watched page (HTIF tohost) and asks the run loop to stop. */
function watchCheck(host: usize, size: u32): void {
  const page = (host - RAM_HOST_BASE) >> 12;
  if ((load<u8>(PAGE_FLAGS_BASE + page) & PAGEFLAG_WATCH) == 0) return;
  const w = load<u64>(SYS_BASE + SYS_WATCH_ADDR);
  const wh = ramHost(w, 8);
  if (wh != 0 && host < wh + 8 && host + size > wh) {
    store<u64>(SYS_BASE + SYS_WATCH_VALUE, load<u64>(wh));
    store<u32>(SYS_BASE + SYS_EXIT_REQUEST, 1);
  }
}

/** Stores the low size bytes of v at va. Sets `fault` after raising an exception. */
export function storeSlow(va: u64, size: u32, v: u64): void {
  fault = false;
  if ((va & (size - 1)) != 0) {
    // Misaligned: check every byte is writable first so a fault leaves memory unchanged, then write.
    for (let i: u32 = 0; i < size; i++) {
      storeTranslate(va + i, 1);
      if (fault) return;
    }
    for (let i: u32 = 0; i < size; i++) storeSlow(va + i, 1, v >> (8 * <u64>i));
    return;
  }
  const host = storeTranslate(va, size);
  if (fault) return;
  if (host != 0) {
    if (size == 8) store<u64>(host, v);
    else if (size == 4) store<u32>(host, <u32>v);
    else if (size == 2) store<u16>(host, <u16>v);
    else store<u8>(host, <u8>v);
    watchCheck(host, size);
    return;
  }
  store<u32>(SYS_BASE + SYS_MMIO_STATUS, 0);
  mmioWrite(<u32>mmioPa, <u32>ctz(size), <u32>v, <u32>(v >> 32));
  if (load<u32>(SYS_BASE + SYS_MMIO_STATUS) != 0) { raiseException(CAUSE_STORE_ACCESS, va); fault = true; }
}

/**
 * Translation for LR/SC/AMO: must be naturally aligned (no Zam: misaligned → address-misaligned exception,
 * §8.4 "A" extension) and in RAM (atomics to MMIO raise an access fault). Returns the host address or 0.
 */
export function amoTranslate(va: u64, size: u32, isLr: bool): usize {
  fault = false;
  if ((va & (size - 1)) != 0) { raiseException(isLr ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va); fault = true; return 0; }
  if (isLr) {
    const p = dataPriv();
    const pa = translate(va, ACC_LOAD, p);
    if (fault) return 0;
    const host = ramHost(pa, size);
    const perm = host == 0 ? 0 : pmpPage(pa & ~<u64>0xfff, ACC_LOAD, p);
    if (perm == 0 || (perm == 2 && !pmpAllowed(pa, size, ACC_LOAD, p))) { raiseException(CAUSE_LOAD_ACCESS, va); fault = true; return 0; }
    // Cached like a load's translation: the JIT's LR goes through the R TLB (src/cpu/jit/translate.ts).
    if (perm == 1) {
      store<u64>(SYS_BASE + SYS_STAT_TLB_MISSES, load<u64>(SYS_BASE + SYS_STAT_TLB_MISSES) + 1);
      tlbFill(load<u32>(H + HART_TLB_R), va, host & ~<usize>0xfff);
    }
    return host;
  }
  const host = storeTranslate(va, size);
  if (fault) return 0;
  if (host == 0) { raiseException(CAUSE_STORE_ACCESS, va); fault = true; return 0; }
  return host;
}

/** After an AMO/SC store to host: HTIF watch. */
export function afterAtomicStore(host: usize, size: u32): void { watchCheck(host, size); }

