/**
 * hv's built-in SBI implementation (RISC-V Supervisor Binary Interface v2.0), used for direct Linux boot
 * without firmware, like QEMU's `-bios none` + KVM-style SBI. An ECALL from S-mode leaves the core
 * (ExitReason.Sbi); handle() reads a7 (EID), a6 (FID), a0..a5, writes a0 (error) / a1 (value) and steps pc.
 *
 * Extensions: Base (§4), Legacy (§5, the calls Linux still uses), TIME (§6), IPI (§7), RFENCE (§8),
 * HSM (§9), SRST (§10), DBCN (§12).
 */
import type { Core } from '../../cpu/host/core.js';
import * as L from '../../layout/gen/layout.js';

export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_AVAILABLE = -6;
export const SBI_ERR_ALREADY_STOPPED = -8;

const EXT_BASE = 0x10;
const EXT_TIME = 0x54494d45;
const EXT_IPI = 0x735049;
const EXT_RFENCE = 0x52464e43;
const EXT_HSM = 0x48534d;
const EXT_SRST = 0x53525354;
const EXT_DBCN = 0x4442434e;
/** Implementation ID reported by sbi_get_impl_id (an unassigned number; "hv"). */
export const HV_SBI_IMPL_ID = 0x6876;

export enum HartState { Started = 0, Stopped = 1, StartPending = 2, StopPending = 3, Suspended = 4 }

/** What the SBI needs from the machine. */
export interface SbiHost {
  readonly core: Core;
  readonly harts: number;
  hartState: HartState[];
  /** Sets hart h's supervisor timer deadline (mtime ticks); STIP clears until it passes. */
  setTimer(h: number, deadline: bigint): void;
  consoleWrite(bytes: Uint8Array): void;
  /** One byte of console input, or -1. */
  consoleRead(): number;
  systemReset(kind: 'poweroff' | 'reset', reason: number): void;
}

const REG_A0 = 10;

/** The built-in SBI. */
export class Sbi {
  constructor(private readonly m: SbiHost) {}

  /** Handles the ECALL of hart h; the core's pc points at the ECALL instruction. */
  handle(h: number): void {
    const c = this.m.core;
    const a = (i: number): bigint => c.getX(h, REG_A0 + i);
    const eid = Number(BigInt.asUintN(32, c.getX(h, 17)));
    const fid = Number(BigInt.asUintN(32, c.getX(h, 16)));
    let err = SBI_SUCCESS;
    let value = 0n;
    let legacy = false;
    const ret = (e: number, v: bigint = 0n): void => { err = e; value = v; };
    switch (eid) {
      case EXT_BASE:
        switch (fid) {
          case 0: ret(SBI_SUCCESS, 2n << 24n); break; // spec version 2.0
          case 1: ret(SBI_SUCCESS, BigInt(HV_SBI_IMPL_ID)); break;
          case 2: ret(SBI_SUCCESS, 1n); break;
          case 3: ret(SBI_SUCCESS, this.probe(Number(BigInt.asUintN(32, a(0)))) ? 1n : 0n); break;
          case 4: case 5: case 6: ret(SBI_SUCCESS, 0n); break; // mvendorid, marchid, mimpid
          default: ret(SBI_ERR_NOT_SUPPORTED);
        }
        break;
      case EXT_TIME:
        if (fid === 0) { this.m.setTimer(h, a(0)); ret(SBI_SUCCESS); } else ret(SBI_ERR_NOT_SUPPORTED);
        break;
      case EXT_IPI:
        if (fid === 0) ret(this.forHarts(a(0), a(1), (t) => this.ipi(t)));
        else ret(SBI_ERR_NOT_SUPPORTED);
        break;
      case EXT_RFENCE:
        if (fid <= 6) ret(this.forHarts(a(0), a(1), (t) => c.flushTlb(t)));
        else ret(SBI_ERR_NOT_SUPPORTED);
        break;
      case EXT_HSM: this.hsm(h, fid, a(0), a(1), a(2), ret); break;
      case EXT_SRST:
        if (fid === 0) {
          const type = Number(BigInt.asUintN(32, a(0)));
          if (type === 0) { this.m.systemReset('poweroff', Number(BigInt.asUintN(32, a(1)))); ret(SBI_SUCCESS); }
          else if (type === 1 || type === 2) { this.m.systemReset('reset', Number(BigInt.asUintN(32, a(1)))); ret(SBI_SUCCESS); }
          else ret(SBI_ERR_INVALID_PARAM);
        } else ret(SBI_ERR_NOT_SUPPORTED);
        break;
      case EXT_DBCN: this.dbcn(fid, a(0), a(1), a(2), ret); break;
      // Legacy extensions (§5): a0 holds the only return value.
      case 0x00: legacy = true; this.m.setTimer(h, a(0)); ret(0); break;
      case 0x01: legacy = true; this.m.consoleWrite(new Uint8Array([Number(a(0) & 0xffn)])); ret(0); break;
      case 0x02: legacy = true; ret(this.m.consoleRead()); break;
      case 0x03: legacy = true; c.set64(h, L.HART_MIP, c.get64(h, L.HART_MIP) & ~2n); ret(0); break;
      case 0x04: legacy = true; ret(this.forHarts(this.readMask(h, a(0)), 0n, (t) => this.ipi(t))); break;
      case 0x05: case 0x06: case 0x07:
        legacy = true; ret(this.forHarts(this.readMask(h, a(0)), 0n, (t) => c.flushTlb(t))); break;
      case 0x08: legacy = true; this.m.systemReset('poweroff', 0); ret(0); break;
      default: ret(SBI_ERR_NOT_SUPPORTED);
    }
    if (this.m.hartState[h] === HartState.Started || this.m.hartState[h] === HartState.Suspended) {
      c.setX(h, REG_A0, BigInt(err));
      if (!legacy) c.setX(h, REG_A0 + 1, value);
      c.setPc(h, c.getPc(h) + 4n);
    }
  }

  private probe(eid: number): boolean {
    return [EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST, EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8].includes(eid);
  }

  private ipi(t: number): void {
    const c = this.m.core;
    c.set64(t, L.HART_MIP, c.get64(t, L.HART_MIP) | 2n); // SSIP
  }

  /** Legacy calls pass a pointer to a hart mask in S-mode memory (identity-read here when RAM). */
  private readMask(h: number, ptr: bigint): bigint {
    if (ptr === 0n) return -1n;
    const mem = this.m.core.guest;
    const p = Number(ptr);
    return mem.isRam(p, 8) ? mem.read64(p) : 0n;
  }

  /** Applies fn to every hart selected by (mask, base); base = -1 selects all (§3). */
  private forHarts(mask: bigint, base: bigint, fn: (h: number) => void): number {
    const all = BigInt.asUintN(64, base) === (1n << 64n) - 1n;
    const b = all ? 0n : BigInt.asUintN(64, base);
    for (let i = 0n; i < 64n; i++) {
      if (!all && ((mask >> i) & 1n) === 0n) continue;
      const t = b + i;
      if (t >= BigInt(this.m.harts)) { if (all) break; return SBI_ERR_INVALID_PARAM; }
      fn(Number(t));
    }
    return SBI_SUCCESS;
  }

  private hsm(h: number, fid: number, a0: bigint, a1: bigint, a2: bigint, ret: (e: number, v?: bigint) => void): void {
    const c = this.m.core;
    const st = this.m.hartState;
    switch (fid) {
      case 0: { // hart_start(hartid, start_addr, opaque)
        const t = Number(a0);
        if (a0 >= BigInt(this.m.harts)) return ret(SBI_ERR_INVALID_PARAM);
        if (st[t] !== HartState.Stopped) return ret(SBI_ERR_ALREADY_AVAILABLE);
        if (!c.guest.isRam(Number(a1), 4)) return ret(SBI_ERR_INVALID_ADDRESS);
        c.resetHart(t, a1);
        this.prepareSupervisor(t);
        c.setX(t, REG_A0, BigInt(t));
        c.setX(t, REG_A0 + 1, a2);
        st[t] = HartState.Started;
        return ret(SBI_SUCCESS);
      }
      case 1: // hart_stop()
        st[h] = HartState.Stopped;
        return ret(SBI_SUCCESS);
      case 2: { // hart_get_status(hartid)
        if (a0 >= BigInt(this.m.harts)) return ret(SBI_ERR_INVALID_PARAM);
        return ret(SBI_SUCCESS, BigInt(st[Number(a0)]!));
      }
      case 3: { // hart_suspend(type, resume_addr, opaque): retentive suspend behaves as WFI
        const type = Number(BigInt.asUintN(32, a0));
        if (type === 0) { c.set32(h, L.HART_WFI, 1); return ret(SBI_SUCCESS); }
        return ret(type >= 0x80000000 ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM);
      }
      default: return ret(SBI_ERR_NOT_SUPPORTED);
    }
  }

  private dbcn(fid: number, a0: bigint, a1: bigint, a2: bigint, ret: (e: number, v?: bigint) => void): void {
    const mem = this.m.core.guest;
    if (fid === 2) { this.m.consoleWrite(new Uint8Array([Number(a0 & 0xffn)])); return ret(SBI_SUCCESS); }
    if (fid !== 0 && fid !== 1) return ret(SBI_ERR_NOT_SUPPORTED);
    const len = Number(BigInt.asUintN(32, a0));
    const addr = a1 + (a2 << 64n);
    if (addr > BigInt(Number.MAX_SAFE_INTEGER) || !mem.isRam(Number(addr), len)) return ret(SBI_ERR_INVALID_PARAM);
    if (fid === 0) { this.m.consoleWrite(mem.read(Number(addr), len)); return ret(SBI_SUCCESS, BigInt(len)); }
    let n = 0;
    while (n < len) { const b = this.m.consoleRead(); if (b < 0) break; mem.write8(Number(addr) + n, b); n++; }
    return ret(SBI_SUCCESS, BigInt(n));
  }

  /**
   * Puts hart t in the state the SBI spec promises at S-mode entry (§9.2 hart_start; also used for the boot
   * hart): S-mode, satp = 0, sstatus.SIE = 0, every exception and supervisor interrupt delegated (there is no
   * M-mode software), counters readable from S-mode.
   */
  prepareSupervisor(t: number): void {
    const c = this.m.core;
    c.set64(t, L.HART_MEDELEG, 0xb1ffn);
    c.set64(t, L.HART_MIDELEG, 0x222n);
    c.set64(t, L.HART_MCOUNTEREN, 0xffff_ffffn);
    // time readable from U-mode too: Linux's vDSO clock_gettime reads it (rdtime). With OpenSBI, Linux's SBI PMU
    // driver sets scounteren.TM; hv's SBI has no PMU extension, so without this udhcpc & co die of SIGILL.
    c.set64(t, L.HART_SCOUNTEREN, 0x2n);
    c.set64(t, L.HART_MSTATUS, (2n << 32n) | (2n << 34n));
    // PMP: one NAPOT entry covering all of memory with RWX, as firmware does (without an active entry,
    // S-mode may access nothing: privileged ISA §3.7.1).
    c.set64(t, L.HART_PMPADDR, (1n << 54n) - 1n);
    new DataView(c.memory.buffer).setUint8(L.HARTS_BASE + t * L.HART_STRIDE + L.HART_PMPCFG, 0x1f);
    c.setPriv(t, 1);
  }
}
