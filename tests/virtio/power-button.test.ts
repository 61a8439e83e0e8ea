/**
 * The power button (virtio-input KEY_POWER, docs/devices/virtio-input.md) end to end with the Debian kernel and
 * hv's initramfs (virtio_input + evdev modules, busybox acpid with /etc/acpi/PWRF/00000080):
 *  1. in-process: the device is bound to virtio_input and registered as the input device "hv power button",
 *     acpid listens, and machine.requestPowerOff() makes the guest power off cleanly (run result 'poweroff');
 *  2. `hv run`: SIGTERM presses the button; the guest powers off and hv exits with status 0; the same with a root
 *     disk from `hv image build` (its rcS starts acpid; busybox init runs rcK before powering off);
 *  3. the daemon: `POST /v1/vms/:id/stop` presses the button and the VM ends with the reason "guest powered off
 *     (graceful stop …)", well before the hard-stop timeout.
 * Skipped when the default image is not cached (run `hv image pull`); a stale cached initramfs is rebuilt first.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { HvConsole, HV_BIN } from '../boot/console.js';
import { InProcessGuest } from './guest.js';
import { defaultImagePaths, isImageCurrent, pullDefaultImage } from '../../src/images/index.js';
import { startDaemon } from '../../src/daemon/main.js';
import type { VmInfo } from '../../src/api/types.js';
import { ApiClient, waitFor } from '../api/helpers.js';

const BOOT_MS = 240_000;
let img = await defaultImagePaths();
if (img !== null && !isImageCurrent(img)) img = (await pullDefaultImage()).info;
const skip = img !== null ? false : 'default image not cached (hv image pull)';
const PROMPT = /# $/m;
const running: HvConsole[] = [];
after(async () => { for (const vm of running) await vm.kill(); });

test('power button: bound to virtio_input, acpid listens, requestPowerOff() powers the guest off cleanly', { skip, timeout: 600_000 }, async () => {
  const g = await InProcessGuest.boot({ ramSize: 256 * 1024 * 1024 }, 420_000);
  assert.ok(g);
  try {
    await g.waitFor(/HV-BOOT-OK/, BOOT_MS);
    await g.waitFor(PROMPT, 60_000);
    assert.ok(g.machine.powerButton, 'the board has a power button');
    const devs = await g.sh('for d in /sys/bus/virtio/devices/*; do echo $(cat $d/device) $(basename $(readlink $d/driver)); done');
    assert.match(devs, /0x0012 virtio_input/, `virtio-input bound\n${g.out.slice(-3000)}`);
    // EV_SYN + EV_KEY; KEY_POWER (116) is bit 52 of the second long: the only key.
    const input = await g.sh('grep -A9 "hv power button" /proc/bus/input/devices');
    assert.match(input, /B: EV=3$/m, input);
    assert.match(input, /B: KEY=10000000000000 0$/m, input);
    assert.match(await g.sh('ls /dev/input/; pidof acpid >/dev/null && echo acpid-running'), /event0[\s\S]*acpid-running/);
    assert.equal(g.machine.powerButton.driverReady, true);
    assert.equal(g.machine.requestPowerOff(), true);
    const r = await g.done;
    assert.equal(r.kind, 'poweroff', g.out.slice(-3000));
    assert.match(g.out, /hv: power button pressed; powering off/);
    assert.equal(g.machine.powerButton.metrics.delivered, 4);
  } finally {
    await g.close();
  }
});

test('hv run: SIGTERM presses the power button and the guest powers off (status 0)', { skip, timeout: 600_000 }, async () => {
  const vm = HvConsole.spawn(['run', '--memory', '256M', '--timeout', '420']);
  running.push(vm);
  await vm.waitFor(/HV-BOOT-OK/, BOOT_MS);
  await vm.waitFor(PROMPT, 60_000);
  assert.match(await vm.sh('pidof acpid >/dev/null && echo acpid-running'), /acpid-running/);
  const t0 = Date.now();
  vm.child.kill('SIGTERM');
  const st = await vm.exit(60_000);
  assert.equal(st.code, 0, vm.transcript());
  assert.match(vm.err, /SIGTERM: pressed the guest's power button/);
  assert.doesNotMatch(vm.err, /did not power off/, 'the guest powered off before the hard stop');
  assert.match(vm.out, /hv: power button pressed; powering off/);
  assert.ok(Date.now() - t0 < 10_000, `powered off in ${Date.now() - t0} ms`);
});

const HAVE_MKFS = ['mke2fs', 'dpkg-deb'].every((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t} || test -x /sbin/${t}`]).status === 0);

test('hv run with a root disk from `hv image build`: SIGTERM powers it off through init (rcK)', { skip: skip || (HAVE_MKFS ? false : 'needs e2fsprogs and dpkg'), timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-power-root-'));
  try {
    const disk = join(dir, 'root.qcow2');
    const b = spawnSync(process.execPath, [HV_BIN, 'image', 'build', '--size', '256M', disk], { encoding: 'utf8', timeout: 900_000 });
    assert.equal(b.status, 0, `hv image build failed:\n${b.stderr}`);
    const vm = HvConsole.spawn(['run', '--memory', '256M', '--timeout', '420', '--drive', `file=${disk}`]);
    running.push(vm);
    await vm.waitFor(/HV-ROOT-OK/, BOOT_MS);
    await vm.waitFor(PROMPT, 60_000);
    assert.match(await vm.sh('pidof acpid >/dev/null && echo acpid-running'), /acpid-running/);
    vm.child.kill('SIGTERM');
    assert.equal((await vm.exit(60_000)).code, 0, vm.transcript());
    assert.doesNotMatch(vm.err, /did not power off/, 'the guest powered off before the hard stop');
    assert.match(vm.out, /hv: power button pressed; powering off[\s\S]*The system is going down NOW![\s\S]*reboot: Power down/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daemon: stop presses the power button; the VM ends with "guest powered off (graceful stop …)"', { skip, timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-power-'));
  const d = await startDaemon({ stateDir: dir, port: 0, hostMemoryBytes: 2048 * 1048576, overcommitRatio: 1, vmEnv: { ...process.env, HV_NO_CGROUP: '1' } });
  try {
    const api = new ApiClient(`http://127.0.0.1:${d.info.port}`, d.token);
    const r = await api.call('POST', '/v1/vms?start=true', { name: 'pb', kernel: img!.kernel, initrd: img!.initramfs, memoryMiB: 256 });
    assert.equal(r.status, 201, r.text);
    const id = (r.body as VmInfo).id;
    const logs = async (): Promise<string> => (await api.call('GET', `/v1/vms/${id}/logs`)).text;
    // The console shell's prompt comes after /init started acpid.
    await waitFor('the guest shell prompt', async () => /HV-BOOT-OK[\s\S]*built-in shell[\s\S]*# /.test(await logs()), BOOT_MS);
    const t0 = Date.now();
    const s = await api.call('POST', `/v1/vms/${id}/stop?timeoutMs=120000`);
    assert.equal(s.status, 200, s.text);
    const v = s.body as VmInfo;
    assert.equal(v.state, 'stopped', JSON.stringify(v));
    assert.match(v.reason ?? '', /^guest powered off \(graceful stop after the power button was pressed\)$/, `${v.reason}\n${(await logs()).slice(-2000)}`);
    assert.ok(Date.now() - t0 < 60_000, `stopped in ${Date.now() - t0} ms`);
    assert.match(await logs(), /hv: power button pressed; powering off/);
  } finally {
    d.manager.killAll();
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
