/** The contract between a machine and the run loop in src/vm/runner.ts. */
import type { Core } from '../../cpu/host/core.js';

/** What a machine offers the run loop. */
export interface RunnableMachine {
  readonly core: Core;
  readonly harts: number;
  /** Re-evaluates timers (CLINT, RTC, SBI timer) and drives interrupt lines. */
  tick(): void;
  /** performance.now() time of the earliest timer deadline, if any. */
  nextDeadlineMs(): number | undefined;
  /** Handles an ECALL from S-mode on hart h when the machine provides the SBI itself. */
  handleSbi(h: number): void;
  /** Whether hart h should run (HSM: stopped harts do not). */
  isRunnable(h: number): boolean;
  /** Called when the core returned ExitReason.Request: collect device/HTIF events. */
  onExitRequest(): void;
  /** The event that ends or resets the run, if one happened. */
  takeEvent(): MachineEvent | undefined;
  /** Resets the machine for a guest-requested reboot. */
  reset(): void;
}

export type MachineEvent =
  | { kind: 'poweroff' }
  | { kind: 'reset' }
  | { kind: 'fail'; code: number; message?: string };

