/**
 * An in-process VM for end-to-end virtio tests that need host-side access to devices (the balloon's
 * setTarget, the process RSS): boots the default Debian image on a VirtMachine in this process and
 * drives its serial console. (tests/boot/console.ts does the same for `hv run` child processes.)
 */
import { readFileSync } from 'node:fs';
import { VirtMachine, type VirtConfig } from '../../src/machine/virt/machine.js';
import { runMachine, type RunResult } from '../../src/vm/runner.js';
import { defaultImagePaths } from '../../src/images/index.js';
import { stripAnsi } from '../boot/console.js';

export class InProcessGuest {
  out = '';
  private cursor = 0;
  private seq = 0;
  private listeners = new Set<() => void>();
  private readonly wakeup = { wake: (): void => {} };
  private stop = false;
  readonly machine: VirtMachine;
  readonly done: Promise<RunResult>;
  result: RunResult | undefined;

  private constructor(cfg: Omit<VirtConfig, 'console' | 'boot' | 'harts'> & { boot: VirtConfig['boot'] }, timeoutMs: number) {
    const dec = new TextDecoder();
    this.machine = new VirtMachine({
      harts: 1,
      ...cfg,
      console: { write: (b) => { this.out += stripAnsi(dec.decode(b, { stream: true })); for (const l of [...this.listeners]) l(); } },
      wake: () => this.wakeup.wake(),
      log: (l) => { this.out += `\n[hv] ${l}\n`; },
    });
    this.done = runMachine(this.machine, { timeoutMs, wakeup: this.wakeup, shouldStop: () => this.stop }).then((r) => {
      this.result = r;
      for (const l of [...this.listeners]) l();
      return r;
    });
  }

  /** Boots the cached default image (kernel + hv initramfs); returns undefined when it is not cached. */
  static async boot(cfg: Omit<VirtConfig, 'console' | 'boot' | 'harts'>, timeoutMs: number): Promise<InProcessGuest | undefined> {
    const img = await defaultImagePaths();
    if (img === null) return undefined;
    const file = (p: string) => ({ data: new Uint8Array(readFileSync(p)), name: p });
    return new InProcessGuest({
      ...cfg,
      boot: { kind: 'linux', kernel: file(img.kernel), initrd: file(img.initramfs), bootargs: 'console=ttyS0 earlycon=sbi' },
    }, timeoutMs);
  }

  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const rx = new RegExp(re.source, re.flags.replace('g', '') + 'g');
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        rx.lastIndex = this.cursor;
        const m = rx.exec(this.out);
        if (m) { this.cursor = m.index + m[0].length; done(); resolve(m); return true; }
        if (this.result) { done(); reject(new Error(`VM ended (${JSON.stringify(this.result)}) before ${re}\n${this.out.slice(-3000)}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${re}\n${this.out.slice(-3000)}`)); }, timeoutMs);
      const l = (): void => { check(); };
      const done = (): void => { clearTimeout(timer); this.listeners.delete(l); };
      if (!check()) this.listeners.add(l);
    });
  }

  send(line: string): void {
    this.machine.input(new TextEncoder().encode(line + '\n'));
    this.wakeup.wake();
  }

  async sh(command: string, timeoutMs = 60_000): Promise<string> {
    const n = ++this.seq + 1000;
    this.send(`echo "<<$((${n}*1))>>"; ${command}; echo "<</$((${n}*1))>>"`);
    const m = await this.waitFor(new RegExp(`<<${n}>>\\n([\\s\\S]*?)<</${n}>>`), timeoutMs);
    return m[1]!.trim();
  }

  async close(): Promise<void> { this.stop = true; this.wakeup.wake(); await this.done; }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number | 'self' = 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
