/**
 * The virt board's test finisher / syscon ("sifive,test1", "sifive,test0", "syscon"), the
 * target of the DT's syscon-poweroff (value 0x5555) and syscon-reboot (value 0x7777) nodes.
 *
 * A write of status | (code << 16) at offset 0 emits an event: 0x5555 → poweroff, 0x7777 →
 * reset, 0x3333 → fail with `code`. The device never exits the process; the board decides what
 * an event means. Accepted widths: 16- and 32-bit, as in QEMU. Reads return 0.
 */

import type { MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import { GuestErrors, type LogFn } from '../guest-errors.js';
import * as R from './regs.js';

export interface SysconEvent {
  readonly kind: 'poweroff' | 'reset' | 'fail';
  /** The guest's exit code (bits 31:16) for 'fail'; 0 otherwise. */
  readonly code: number;
}

export interface SysconConfig {
  readonly onEvent: (ev: SysconEvent) => void;
  readonly name?: string;
  readonly log?: LogFn;
}

export class Syscon implements MmioDevice {
  static readonly SIZE = R.SYSCON_SIZE;
  readonly name: string;
  readonly errors: GuestErrors;
  private readonly onEvent: (ev: SysconEvent) => void;

  constructor(cfg: SysconConfig) {
    this.name = cfg.name ?? 'test';
    this.errors = new GuestErrors(this.name, cfg.log);
    this.onEvent = cfg.onEvent;
  }

  read(offset: number, sizeLog2: SizeLog2, _hi: { value: number }): number {
    if (offset !== R.FINISHER_REG || (sizeLog2 !== 1 && sizeLog2 !== 2)) {
      this.errors.report('bad-access', `read of ${1 << sizeLog2} bytes at 0x${offset.toString(16)}`);
    }
    return 0;
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, _hi: number): void {
    if (offset !== R.FINISHER_REG || (sizeLog2 !== 1 && sizeLog2 !== 2)) {
      this.errors.report('bad-access', `write of ${1 << sizeLog2} bytes at 0x${offset.toString(16)} (16/32-bit at offset 0 only)`);
      return;
    }
    const v = sizeLog2 === 1 ? lo & 0xffff : lo >>> 0;
    const status = v & 0xffff;
    switch (status) {
      case R.FINISHER_PASS: this.onEvent({ kind: 'poweroff', code: 0 }); return;
      case R.FINISHER_RESET: this.onEvent({ kind: 'reset', code: 0 }); return;
      case R.FINISHER_FAIL: this.onEvent({ kind: 'fail', code: v >>> 16 }); return;
      default:
        this.errors.report('bad-status', `write of unknown status 0x${status.toString(16)}`);
    }
  }
}
