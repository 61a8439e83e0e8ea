/**
 * Linux boot tests: Debian's riscv64 kernel with hv's initramfs (the default image, pulled into
 * ~/.cache/hv on first use), driven over the serial console through `node bin/hv.js run`.
 *
 * Five boots, two at a time: checks are combined per boot to keep the file short. Every run has
 * --timeout so a hung guest ends the run, and every wait has its own deadline.
 */
import { describe, test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HvConsole } from './console.js';
import { consoleProgress, defaultImagePaths, pullDefaultImage, type ImageInfo } from '../../src/images/index.js';

const MARKER = /HV-BOOT-OK/;
/** Generous: two boots share the 2 cores with the rest of the test suite. */
const BOOT_MS = 150_000;
const RUN_TIMEOUT_S = '240';
const PROMPT = /# $/m;

let image: ImageInfo;
const running = new Set<HvConsole>();

function boot(args: string[]): HvConsole {
  const vm = HvConsole.spawn(['run', '--memory', '512M', '--timeout', RUN_TIMEOUT_S, ...args]);
  running.add(vm);
  return vm;
}

/** Waits for the initramfs marker, then for the shell's prompt; notes the boot time in the test log. */
async function toShell(vm: HvConsole, t?: TestContext): Promise<void> {
  await vm.waitFor(MARKER, BOOT_MS);
  t?.diagnostic(`HV-BOOT-OK after ${(vm.elapsedMs() / 1000).toFixed(1)} s`);
  await vm.waitFor(/Enter 'help'/, 150_000);
  await vm.waitFor(PROMPT, 30_000);
  t?.diagnostic(`shell prompt after ${(vm.elapsedMs() / 1000).toFixed(1)} s`);
}

/** `poweroff` at the shell must end the run with status 0. */
async function powerOff(vm: HvConsole, t: TestContext): Promise<void> {
  const t0 = vm.elapsedMs();
  vm.send('poweroff');
  const st = await vm.exit(60_000);
  t.diagnostic(`poweroff took ${((vm.elapsedMs() - t0) / 1000).toFixed(1)} s`);
  assert.equal(st.code, 0, `poweroff: expected exit status 0\n${vm.transcript()}`);
  assert.match(vm.out, /reboot: Power down/, 'the kernel reports the power-off');
}

async function checkNproc(vm: HvConsole, cpus: number): Promise<void> {
  assert.equal(await vm.sh('nproc'), String(cpus), `nproc with --cpus ${cpus}\n${vm.transcript()}`);
}

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

describe('Linux boot: Debian kernel + hv initramfs', { concurrency: 2 }, () => {
  before(async () => {
    // Pulls the image on first use (progress on stderr); otherwise verifies the cache and rebuilds the
    // initramfs if hv's builder changed since it was made, so the tests always boot the current /init.
    const cached = (await defaultImagePaths()) !== null;
    const r = await pullDefaultImage(cached ? {} : { onProgress: consoleProgress() });
    image = r.info;
  }, { timeout: 900_000 });

  after(async () => { await Promise.all([...running].map((vm) => vm.kill())); });

  test('4 harts through OpenSBI fw_dynamic: nproc = 4, poweroff exits 0', { timeout: 240_000 }, async (t) => {
    const vm = boot(['--cpus', '4', '--bios', image.firmware.fw_dynamic]);
    await vm.waitFor(/OpenSBI v\d/, 60_000);
    await toShell(vm, t);
    await checkNproc(vm, 4);
    assert.match(await vm.sh('cat /sys/firmware/devicetree/base/chosen/bootargs; echo; cat /proc/cmdline'), /console=ttyS0/);
    await powerOff(vm, t);
  });

  test('reboot without --no-reboot resets and boots again; then poweroff exits 0', { timeout: 240_000 }, async (t) => {
    const vm = boot([]);
    await toShell(vm, t);
    vm.send('reboot');
    await vm.waitFor(/reboot: Restarting system/, 60_000);
    await vm.waitFor(/Linux version/, 30_000);
    await toShell(vm, t);
    assert.equal(vm.out.match(/HV-BOOT-OK/g)?.length, 2, 'the marker appears once per boot');
    assert.equal(await vm.sh('uname -m'), 'riscv64');
    await powerOff(vm, t);
  });

  test('1 hart, built-in SBI: uname, nproc, PLIC interrupts of ttyS0, RTC date, poweroff', { timeout: 240_000 }, async (t) => {
    const vm = boot(['--cpus', '1']);
    await toShell(vm, t);
    assert.equal(await vm.sh('uname -m'), 'riscv64');
    await checkNproc(vm, 1);

    const irqs = await vm.sh('cat /proc/interrupts');
    const uart = irqs.split('\n').find((l) => /\bttyS0\s*$/.test(l));
    assert.ok(uart, `/proc/interrupts has a ttyS0 line\n${irqs}`);
    assert.match(uart, /PLIC/, `ttyS0's interrupt comes from the PLIC: ${uart}`);
    const counts = uart.replace(/^\s*\d+:/, '').trim().split(/\s+/).slice(0, 1).map(Number);
    assert.ok(counts[0]! > 0, `ttyS0 has taken interrupts: ${uart}`);

    // The goldfish RTC sets the system clock at boot: the guest's date is the host's (UTC).
    const sentAt = Date.now();
    const day = await vm.sh('date +%Y-%m-%d');
    const gotAt = Date.now();
    // Around midnight either day is right (the guest clock may be a little ahead or behind the host's).
    const ok = new Set([isoDay(sentAt - 120_000), isoDay(sentAt), isoDay(gotAt), isoDay(gotAt + 120_000)]);
    assert.ok(ok.has(day), `guest date ${day}, host UTC ${[...ok].join(' or ')}`);
    assert.match(vm.out, /goldfish_rtc \S+: setting system clock to/);

    await powerOff(vm, t);
  });

  test('2 harts with --no-reboot: nproc = 2; reboot ends the run with status 0', { timeout: 240_000 }, async (t) => {
    const vm = boot(['--cpus', '2', '--no-reboot']);
    await toShell(vm, t);
    await checkNproc(vm, 2);
    assert.match(await vm.sh('cat /sys/devices/system/cpu/online'), /^0-1$/);
    vm.send('reboot');
    const st = await vm.exit(60_000);
    assert.equal(st.code, 0, `expected exit status 0\n${vm.transcript()}`);
    assert.match(vm.out, /reboot: Restarting system/);
    assert.equal(vm.out.match(/HV-BOOT-OK/g)?.length, 1, 'no second boot');
  });
});
