/** `hv run`: boot one VM in the foreground with QEMU-like flags (the UART is the terminal). */
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../base/errors.js';
import { parseSize } from '../base/size.js';
import {
  MAX_RAM_BYTES, VirtMachine, runMachine, openDisks, closeDisks, openNics, closeNics,
  type BootFile, type BootPayload, type Disk,
} from '../vm/local.js';
import { attachConsole } from './console.js';
import { parseNetSpecs } from './net-spec.js';
import { parseDriveSpecs } from './drive-spec.js';
import { defaultImagePaths, isImageCurrent, pullDefaultImage, consoleProgress } from '../images/index.js';

export interface RunFlags {
  kernel?: string;
  initrd?: string;
  append?: string;
  bios?: string;
  memory?: string;
  cpus?: string;
  dtbOut?: string;
  timeout?: string;
  reboot?: boolean; // commander: --no-reboot sets reboot=false
  jit?: boolean; // commander: --no-jit sets jit=false
  rng?: boolean;
  balloon?: boolean;
  /** --net values (repeatable): user[,hostfwd=…][,mac=…] or switch=NAME[,mac=…]. */
  net?: string[];
  /** --drive values (repeatable): file=PATH[,format=raw|qcow2][,readonly=on][,id=…][,serial=…]. */
  drive?: string[];
}

const MAX_CPUS = 8;
/**
 * Smallest guest RAM: the core's wasm module declares 64 MiB of initial memory (build.mjs --initialMemory 1024
 * pages), of which the first 32 MiB hold CPU state; with less RAM the module cannot be instantiated.
 */
const MIN_RAM = 32 * 1024 * 1024;
/** Linux's COMMAND_LINE_SIZE on RISC-V (including the terminating NUL). */
const MAX_CMDLINE = 1024;
export const DEFAULT_BOOTARGS = 'console=ttyS0 earlycon=sbi';
/**
 * SIGTERM asks the guest to power off (the board's power button, like QEMU's system_powerdown) and waits this
 * long for it; then, or at a second SIGTERM, hv stops the VM itself (disks are still written back and synced).
 */
export const POWER_OFF_TIMEOUT_MS = 10_000;

function readBootFile(path: string, what: string): BootFile {
  try {
    return { data: new Uint8Array(readFileSync(path)), name: path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String((e as Error).message);
    throw new UserError(`cannot read ${what} ${path}: ${why}`);
  }
}

function parseCpus(s: string | undefined): number {
  if (s === undefined) return 1;
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_CPUS) throw new UserError(`invalid --cpus ${JSON.stringify(s)}: must be a whole number from 1 to ${MAX_CPUS}`);
  return Number(s);
}

function parseTimeout(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) <= 0) throw new UserError(`invalid --timeout ${JSON.stringify(s)}: must be a positive number of seconds`);
  return Number(s) * 1000;
}

function checkAppend(s: string): string {
  if (s.length >= MAX_CMDLINE) throw new UserError(`invalid --append: ${s.length} characters; the kernel command line holds at most ${MAX_CMDLINE - 1}`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) throw new UserError('invalid --append: it contains control characters (newline, NUL, …)');
  return s;
}

function parseMemory(s: string): number {
  const bytes = parseSize(s, { defaultUnit: 'M', what: 'memory size' });
  if (bytes % 4096 !== 0) throw new UserError(`invalid memory size ${JSON.stringify(s)}: must be a multiple of 4 KiB`);
  if (bytes < MIN_RAM) throw new UserError(`invalid memory size ${JSON.stringify(s)}: at least ${MIN_RAM / 1024 / 1024}M is needed`);
  if (bytes > MAX_RAM_BYTES) throw new UserError(`invalid memory size ${JSON.stringify(s)}: hv supports at most ${Math.floor(MAX_RAM_BYTES / 1024 / 1024)}M per VM`);
  return bytes;
}

/** Builds the boot payload from the flags (reading and validating files); pulls the default image if needed. */
async function payloadFromFlags(f: RunFlags): Promise<{ payload: BootPayload; defaultMemory: number }> {
  const bootargs = checkAppend(f.append ?? DEFAULT_BOOTARGS);
  if (f.bios === 'none') {
    if (f.kernel === undefined) throw new UserError('--bios none needs --kernel FILE');
    if (f.initrd !== undefined) throw new UserError('--initrd cannot be used with --bios none');
    return { payload: { kind: 'bare', kernel: readBootFile(f.kernel, 'kernel') }, defaultMemory: 128 * 1024 * 1024 };
  }
  let kernelPath = f.kernel;
  let initrdPath = f.initrd;
  let biosPath = f.bios;
  let defaultMemory = 128 * 1024 * 1024;
  if (kernelPath === undefined || biosPath === 'default') {
    let img = await defaultImagePaths();
    if (img === null) {
      process.stderr.write('hv: the default guest image is not cached yet; pulling it (Debian trixie riscv64)…\n');
      img = (await pullDefaultImage({ onProgress: consoleProgress() })).info;
    } else if (!isImageCurrent(img)) {
      process.stderr.write('hv: the cached initramfs was built by an older hv; rebuilding it…\n');
      img = (await pullDefaultImage({ onProgress: consoleProgress() })).info;
    }
    if (kernelPath === undefined) {
      kernelPath = img.kernel;
      initrdPath ??= img.initramfs;
      defaultMemory = 512 * 1024 * 1024;
    }
    if (biosPath === 'default') biosPath = img.firmware.fw_dynamic;
  }
  const kernel = readBootFile(kernelPath, 'kernel');
  const initrd = initrdPath !== undefined ? readBootFile(initrdPath, 'initrd') : undefined;
  const firmware = biosPath !== undefined ? readBootFile(biosPath, 'firmware') : undefined;
  return {
    payload: { kind: 'linux', kernel, bootargs, ...(initrd ? { initrd } : {}), ...(firmware ? { firmware } : {}) },
    defaultMemory,
  };
}

/** Runs the VM; resolves with the process exit status. */
export async function runCommand(f: RunFlags): Promise<number> {
  const cpus = parseCpus(f.cpus);
  const timeoutMs = parseTimeout(f.timeout);
  // Every flag is checked before anything is read or pulled.
  const memory = f.memory !== undefined ? parseMemory(f.memory) : undefined;
  const netSpecs = parseNetSpecs(f.net);
  const driveSpecs = parseDriveSpecs(f.drive);
  const { payload, defaultMemory } = await payloadFromFlags(f);
  const ramSize = memory ?? defaultMemory;
  // NIC backends start before the console takes the terminal, so their errors print plainly.
  // Disks open (and are validated) before anything else starts: a bad image is a plain one-line error.
  const disks: Disk[] = await openDisks(driveSpecs, (line) => process.stderr.write(`hv: warning: ${line}\n`));
  let nics;
  try {
    nics = await openNics(netSpecs, (line) => process.stderr.write(`hv: ${line}\n`));
  } catch (e) {
    await closeDisks(disks);
    throw e;
  }
  let machine: VirtMachine | undefined;
  let quit = false;
  const wakeup = { wake: (): void => {} };
  let powerOffTimer: NodeJS.Timeout | undefined;
  /** Presses the guest's power button; false when there is none (or no machine yet). */
  const pressPowerButton = (why: string, then: string): boolean => {
    if (machine === undefined || !machine.requestPowerOff()) return false;
    process.stderr.write(`\r\nhv: ${why}: pressed the guest's power button; ${then}\r\n`);
    wakeup.wake();
    return true;
  };
  const con = attachConsole((bytes) => { machine?.input(bytes); wakeup.wake(); }, () => { quit = true; wakeup.wake(); },
    () => { if (!pressPowerButton('C-a p', 'C-a x stops the VM at once')) process.stderr.write('\r\nhv: this VM has no power button\r\n'); });
  // SIGTERM: a graceful power-off request first; a second SIGTERM, or the timeout, ends the run. SIGHUP ends it at
  // once. Either way the run ends cleanly, so disk images are written back and synced.
  const onSignal = (): void => { quit = true; wakeup.wake(); };
  const onTerm = (): void => {
    if (powerOffTimer !== undefined || !pressPowerButton('SIGTERM', `stopping the VM in ${POWER_OFF_TIMEOUT_MS / 1000} s unless it powers off first (a second SIGTERM stops it now)`)) {
      onSignal();
      return;
    }
    powerOffTimer = setTimeout(() => {
      process.stderr.write(`\r\nhv: the guest did not power off within ${POWER_OFF_TIMEOUT_MS / 1000} s of the power button; stopping it\r\n`);
      onSignal();
    }, POWER_OFF_TIMEOUT_MS);
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onSignal);
  try {
    machine = new VirtMachine({
      ramSize, harts: cpus, boot: payload,
      console: { write: (b) => con.write(b) },
      log: (line) => process.stderr.write(`hv: ${line}\n`),
      wake: () => wakeup.wake(),
      ...(f.rng ? { rng: true } : {}),
      ...(f.balloon ? { balloon: true } : {}),
      ...(f.jit === false ? { jit: false } : {}),
      ...(nics.length ? { nics } : {}),
      ...(disks.length ? { disks } : {}),
    });
    if (f.dtbOut !== undefined) {
      try { writeFileSync(f.dtbOut, machine.dtb); } catch (e) { throw new UserError(`cannot write --dtb-out ${f.dtbOut}: ${(e as Error).message}`); }
    }
    const result = await runMachine(machine, {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      noReboot: f.reboot === false,
      wakeup,
      shouldStop: () => quit,
    });
    switch (result.kind) {
      case 'poweroff': return 0;
      case 'stopped': return 0;
      case 'reset': return 0; // only with --no-reboot
      case 'timeout':
        process.stderr.write(`\nhv: timeout: the guest was still running after ${f.timeout} s\n`);
        return 124;
      case 'fail':
        if (result.message !== undefined) process.stderr.write(`${result.message}\n`);
        else process.stderr.write(`hv: guest reported failure (code ${result.code})\n`);
        return Math.min(255, Math.max(1, result.code));
    }
  } finally {
    con.close();
    closeNics(nics);
    clearTimeout(powerOffTimer);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onSignal);
    // qcow2 metadata is written back and every image synced before hv exits.
    await closeDisks(disks, (line) => process.stderr.write(`hv: ${line}\n`));
  }
}
