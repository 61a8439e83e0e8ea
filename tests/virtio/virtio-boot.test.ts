/**
 * End-to-end virtio checks with the Debian kernel:
 *  1. `hv run --rng --balloon`: both devices appear under /sys/bus/virtio/devices with their
 *     drivers bound, /dev/hwrng yields random bytes, and free-page reporting gives freed guest memory
 *     back (the hv process RSS is measured through /proc).
 *  2. In-process VM (host-side balloon API): after the guest touched 300 MiB and freed it, inflating
 *     the balloon by 128 MiB lowers this process's RSS by at least 100 MiB; stats arrive on request;
 *     deflate works. Free-page reporting is off here so the drop is the inflate's alone.
 * Every run has a timeout; skipped when the default image is not cached (run `hv image pull`).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HvConsole } from '../boot/console.js';
import { InProcessGuest, rssOf } from './guest.js';
import { defaultImagePaths } from '../../src/images/index.js';

const MiB = 1024 * 1024;
const BOOT_MS = 240_000;
const haveImage = (await defaultImagePaths()) !== null;
const skip = haveImage ? false : 'default image not cached (hv image pull)';
const PROMPT = /# $/m;
const running: HvConsole[] = [];
after(async () => { for (const vm of running) await vm.kill(); });

/** Shell commands that make a 300 MiB tmpfs file and delete it (so the guest has touched that memory). */
const TOUCH_300M = 'mkdir -p /dev/shm; grep -q " /dev/shm " /proc/mounts || mount -t tmpfs -o size=400m tmpfs /dev/shm; ' +
  'dd if=/dev/zero of=/dev/shm/x bs=1M count=300 2>/dev/null; ls -l /dev/shm/x | wc -l';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('hv run --rng --balloon: devices in sysfs, /dev/hwrng works, free-page reporting returns memory', { skip, timeout: 600_000 }, async (t) => {
  const vm = HvConsole.spawn(['run', '--memory', '512M', '--rng', '--balloon', '--timeout', '420']);
  running.push(vm);
  await vm.waitFor(/HV-BOOT-OK/, BOOT_MS);
  await vm.waitFor(PROMPT, 150_000);
  const devs = await vm.sh('for d in /sys/bus/virtio/devices/*; do echo $(cat $d/device) $(basename $(readlink $d/driver)); done');
  assert.match(devs, /0x0004 virtio_rng/, `virtio-rng bound\n${vm.transcript()}`);
  assert.match(devs, /0x0005 virtio_balloon/, `virtio-balloon bound\n${vm.transcript()}`);
  const od = await vm.sh('cat /dev/hwrng | head -c 16 | od -An -tx1');
  const bytes = od.split(/\s+/).filter((s) => /^[0-9a-f]{2}$/.test(s));
  assert.equal(bytes.length, 16, `16 bytes from /dev/hwrng: ${od}\n${vm.transcript()}`);
  assert.ok(bytes.some((b) => b !== '00'));
  assert.match(await vm.sh('cat /sys/class/misc/hw_random/rng_current'), /virtio_rng/);
  // Free-page reporting: touch 300 MiB, free it, and watch hv's RSS.
  const base = rssOf(vm.pid);
  assert.equal(await vm.sh(TOUCH_300M, 120_000), '1');
  const touched = rssOf(vm.pid);
  await vm.sh('rm /dev/shm/x; sync; echo 3 > /proc/sys/vm/drop_caches');
  let low = touched;
  for (let i = 0; i < 30 && touched - low < 200 * MiB; i++) { await sleep(1000); low = Math.min(low, rssOf(vm.pid)); }
  const msg = `free-page reporting: hv RSS ${Math.round(base / MiB)} MiB at the prompt, ${Math.round(touched / MiB)} MiB after the guest touched 300 MiB, ${Math.round(low / MiB)} MiB after it freed them`;
  console.log(msg);
  t.diagnostic(msg);
  assert.ok(touched - low >= 100 * MiB, msg);
  vm.send('poweroff');
  assert.equal((await vm.exit(60_000)).code, 0, vm.transcript());
});

test('balloon inflate by 128 MiB in a 512 MiB guest lowers the RSS by ≥ 100 MiB; stats; deflate', { skip, timeout: 600_000 }, async (t) => {
  const g = await InProcessGuest.boot({ ramSize: 512 * MiB, balloon: { reporting: false } }, 420_000);
  assert.ok(g);
  try {
    await g.waitFor(/HV-BOOT-OK/, BOOT_MS);
    await g.waitFor(PROMPT, 150_000);
    const balloon = g.machine.balloon!;
    const actual = (): number => balloon.actual;
    assert.equal(await g.sh(TOUCH_300M, 120_000), '1');
    await g.sh('rm /dev/shm/x; sync; echo 3 > /proc/sys/vm/drop_caches');
    const before = rssOf();
    balloon.setTarget(128 * MiB / 4096);
    for (let i = 0; i < 120 && actual() !== 32768; i++) await sleep(500);
    assert.equal(actual(), 32768, `driver inflated to the target\n${g.out.slice(-2000)}`);
    const after = rssOf();
    const msg = `balloon inflate 128 MiB: RSS ${Math.round(before / MiB)} → ${Math.round(after / MiB)} MiB (−${Math.round((before - after) / MiB)} MiB); ` +
      `reclaimed ${balloon.metrics.reclaimedBytes / MiB} MiB, zeroed only ${balloon.metrics.zeroedOnlyBytes / MiB} MiB`;
    console.log(msg);
    t.diagnostic(msg);
    assert.ok(before - after >= 100 * MiB, msg);
    const mem = await g.sh('grep MemTotal /proc/meminfo');
    assert.match(mem, /MemTotal/);
    // Stats on request.
    const seq = balloon.stats.seq;
    assert.ok(balloon.requestStats());
    for (let i = 0; i < 40 && balloon.stats.seq === seq; i++) await sleep(250);
    assert.ok(balloon.stats.seq > seq, 'fresh stats arrived');
    assert.ok((balloon.stats.values['totalMemory'] ?? 0n) > 0n, JSON.stringify(balloon.stats.values, (_k, v) => typeof v === 'bigint' ? v.toString() : v));
    // Deflate, and the guest can use the memory again.
    balloon.setTarget(0);
    for (let i = 0; i < 120 && actual() !== 0; i++) await sleep(500);
    assert.equal(actual(), 0);
    assert.equal(await g.sh(TOUCH_300M + '; rm /dev/shm/x', 120_000), '1');
    assert.equal(g.machine.virtio[0]!.deviceStatus & 64, 0, 'no DEVICE_NEEDS_RESET');
  } finally {
    await g.close();
  }
});
