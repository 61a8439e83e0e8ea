/**
 * Drives `node bin/hv.js run …` as a child process over piped stdio, for the boot tests and the
 * boot benchmark: wait for console output, type lines, run shell commands and read their output,
 * and collect the exit status. Every failure message carries the full transcript (stdout and
 * stderr) so a failed boot can be diagnosed from the test log alone.
 *
 *   const vm = HvConsole.spawn(['run', '--memory', '512M', '--timeout', '120']);
 *   await vm.waitFor(/HV-BOOT-OK/, 90_000);
 *   assert.equal(await vm.sh('uname -m'), 'riscv64');
 *   vm.send('poweroff');
 *   assert.equal((await vm.exit(30_000)).code, 0);
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest ancestor of this module that holds package.json (works from dist/ too). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('tests/boot: cannot find the project root (package.json)');
    dir = up;
  }
  return dir;
}

export const HV_BIN = join(projectRoot(), 'bin', 'hv.js');

export interface ExitStatus {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Removes ANSI escape sequences (busybox ash asks for the cursor position with ESC [ 6 n) and CRs. */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '').replace(/\r/g, '');
}

export class HvConsole {
  /** Everything the guest console (stdout) printed so far, ANSI sequences and CRs removed. */
  out = '';
  /** hv's own stderr. */
  err = '';
  /** Where the next waitFor starts searching in `out`. */
  private cursor = 0;
  private listeners = new Set<() => void>();
  private status: ExitStatus | undefined;
  private readonly exited: Promise<ExitStatus>;
  private readonly started = Date.now();
  private seq = 0;
  /** Lines sent, with their time since start, for the transcript. */
  private readonly sent: string[] = [];

  private constructor(readonly child: ChildProcessWithoutNullStreams, readonly args: readonly string[]) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let pending = '';
    child.stdout.on('data', (s: string) => {
      // Hold back an escape sequence split across chunks until its final byte arrives.
      pending += s;
      const esc = pending.lastIndexOf('\x1b');
      let upTo = pending.length;
      if (esc >= 0 && pending.length - esc < 16 && !/^\x1b(\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z])/.test(pending.slice(esc))) upTo = esc;
      this.out += stripAnsi(pending.slice(0, upTo));
      pending = pending.slice(upTo);
      this.notify();
    });
    child.stderr.on('data', (s: string) => { this.err += s; this.notify(); });
    child.stdin.on('error', () => {}); // EPIPE after the VM exited
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => { this.status = { code, signal }; resolve(this.status); this.notify(); });
    });
  }

  /** Starts `node bin/hv.js <args>` with piped stdio. */
  static spawn(args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): HvConsole {
    return HvConsole.spawnCommand(process.execPath, [HV_BIN, ...args], opts);
  }

  /** Starts any console program the same way (the boot benchmark drives qemu-system-riscv64 with it). */
  static spawnCommand(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): HvConsole {
    const child = spawn(command, args, {
      cwd: projectRoot(),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    return new HvConsole(child, command === process.execPath ? ['hv', ...args.slice(1)] : [command, ...args]);
  }

  get pid(): number { return this.child.pid ?? -1; }

  /** Milliseconds since spawn. */
  elapsedMs(): number { return Date.now() - this.started; }

  private notify(): void { for (const l of [...this.listeners]) l(); }

  /** The whole session, for failure messages. */
  transcript(): string {
    const st = this.status ? `exit code ${this.status.code} signal ${this.status.signal}` : 'still running';
    return [
      `---- ${this.args.join(' ')} (${st}, ${(this.elapsedMs() / 1000).toFixed(1)} s) ----`,
      `---- sent: ${JSON.stringify(this.sent)}`,
      '---- console (stdout) ----', this.out,
      '---- stderr ----', this.err,
      '---- end ----',
    ].join('\n');
  }

  /**
   * Waits until `re` matches console output after the previous match, then moves the cursor past
   * this match. Rejects (with the transcript) on timeout or if hv exits first.
   */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const rx = new RegExp(re.source, re.flags.replace('g', '') + 'g');
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        rx.lastIndex = this.cursor;
        const m = rx.exec(this.out);
        if (m) {
          this.cursor = m.index + m[0].length;
          done();
          resolve(m);
          return true;
        }
        if (this.status) {
          done();
          reject(new Error(`hv exited before ${re} appeared on the console\n${this.transcript()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} on the console\n${this.transcript()}`));
      }, timeoutMs);
      const listener = (): void => { check(); };
      const done = (): void => { clearTimeout(timer); this.listeners.delete(listener); };
      if (!check()) this.listeners.add(listener);
    });
  }

  /** Types one line on the console (a newline is added). */
  send(line: string): void {
    this.sent.push(`+${(this.elapsedMs() / 1000).toFixed(1)}s ${line}`);
    if (!this.status) this.child.stdin.write(line + '\n');
  }

  /**
   * Runs a shell command at the guest's prompt and returns its output (trimmed). The command is
   * bracketed by markers computed by the shell ($((n*1))), so the console's echo of the typed
   * line never matches them.
   */
  async sh(command: string, timeoutMs = 30_000): Promise<string> {
    const n = ++this.seq + 1000;
    this.send(`echo "<<$((${n}*1))>>"; ${command}; echo "<</$((${n}*1))>>"`);
    const m = await this.waitFor(new RegExp(`<<${n}>>\\n([\\s\\S]*?)<</${n}>>`), timeoutMs);
    return m[1]!.trim();
  }

  /** The exit status; rejects with the transcript if hv is still running after timeoutMs. */
  exit(timeoutMs: number): Promise<ExitStatus> {
    if (this.status) return Promise.resolve(this.status);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`hv did not exit within ${timeoutMs} ms\n${this.transcript()}`)), timeoutMs);
      void this.exited.then((s) => { clearTimeout(t); resolve(s); });
    });
  }

  /** Kills hv if it still runs (test clean-up). */
  async kill(): Promise<void> {
    if (this.status) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
