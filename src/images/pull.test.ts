// Integration: really pulls Debian trixie riscv64 packages (cached under the hv cache, so reruns are
// fast), checks the image, and boots it under QEMU when qemu-system-riscv64 is installed.
// HV_SKIP_NET=1 skips everything here; HV_SKIP_QEMU=1 skips only the QEMU boot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PrivateApt } from './apt.js';
import { resolveCacheDir } from './cache.js';
import { readCpio } from './cpio.js';
import { BOOT_MARKER } from './initramfs.js';
import { defaultImagePaths, listImages, pullDefaultImage } from './index.js';
import { formatPullSummary } from './progress.js';
import type { PullProgress } from './pull.js';

const SKIP_NET = process.env.HV_SKIP_NET === '1'
  ? 'HV_SKIP_NET=1: not downloading Debian trixie riscv64 packages (kernel, busybox-static, opensbi)'
  : false;
const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64'], { stdio: 'ignore' }).status === 0;
const SKIP_QEMU = SKIP_NET || (process.env.HV_SKIP_QEMU === '1' ? 'HV_SKIP_QEMU=1'
  : haveQemu ? false : 'qemu-system-riscv64 is not installed (Debian package qemu-system-misc)');

const cacheDir = resolveCacheDir();
const quiet = (p: PullProgress): void => { if (p.phase !== 'log' && p.percent === undefined) process.stderr.write(`hv: ${p.message}\n`); };

test('pulls the default image (trixie riscv64 kernel, busybox-static, opensbi)', { skip: SKIP_NET, timeout: 20 * 60_000 }, async (t) => {
  const r = await pullDefaultImage({ cacheDir, onProgress: quiet });
  for (const line of formatPullSummary(r).split('\n')) t.diagnostic(line);
  const m = r.manifest;

  // packages
  const names = m.packages.map((p) => p.name);
  assert.match(names[0]!, /^linux-image-6\.\d+\.\d+.*-riscv64$/);
  assert.equal(m.packages[0]!.requested, 'linux-image-riscv64');
  assert.ok(names.includes('busybox-static') && names.includes('opensbi'));
  for (const p of m.packages) {
    assert.match(p.sha256, /^[0-9a-f]{64}$/);
    assert.ok(existsSync(join(cacheDir, p.deb)), p.deb);
  }
  assert.deepEqual(m.distribution.arch, 'riscv64');
  assert.deepEqual(m.distribution.suite, 'trixie');

  // kernel: uncompressed riscv64 Image with an EFI/PE stub
  assert.match(m.kernel.path, /^root\/boot\/vmlinux-6\./);
  const head = readFileSync(r.info.kernel).subarray(0, 0x40);
  assert.equal(head.toString('latin1', 0, 2), 'MZ');
  assert.equal(head.toString('latin1', 0x30, 0x38), 'RISCV\0\0\0');
  assert.equal(head.toString('latin1', 0x38, 0x3c), 'RSC\x05');
  assert.ok(m.kernel.size > 10 << 20);
  assert.equal(basename(r.info.kernel), `vmlinux-${m.kernel.version}`);

  // firmware, busybox, modules
  assert.match(m.firmware.fw_dynamic.path, /opensbi\/generic\/fw_dynamic\.bin$/);
  assert.match(m.firmware.fw_jump.path, /opensbi\/generic\/fw_jump\.bin$/);
  assert.equal(readFileSync(r.info.busybox).readUInt32BE(0), 0x7f454c46);
  assert.ok(existsSync(join(r.info.modulesDir, 'modules.builtin')));

  // initramfs
  const entries = readCpio(gunzipSync(readFileSync(r.info.initramfs)));
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.ok(byName.get('init')?.data?.toString().includes(BOOT_MARKER));
  assert.equal(byName.get('bin/busybox')?.type, 'file');
  assert.equal(byName.get('bin/sh')?.target, 'busybox');
  assert.equal(byName.get('dev/console')?.type, 'char');
  const mods = m.initramfs.modules;
  for (const d of ['virtio_mmio', 'virtio_blk', 'virtio_net', 'virtio_rng', 'virtio_balloon', 'virtio_console', 'ext4']) {
    const rec = mods.find((x) => x.name === d);
    assert.ok(rec, `${d} is recorded (built in or module)`);
    if (!rec.builtin) {
      const e = byName.get(rec.path!.slice(1));
      assert.ok(e && e.type === 'file', `${rec.path} in the initramfs`);
      assert.equal(Buffer.from(e.data!).readUInt32BE(0), 0x7f454c46, `${d} stored decompressed`);
    }
  }
  assert.ok(byName.has(`lib/modules/${m.kernel.version}/modules.dep`));

  // listing
  const list = await listImages({ cacheDir });
  assert.equal(list.find((i) => i.name === 'default')?.kernelVersion, m.kernel.version);
  assert.deepEqual(await defaultImagePaths({ cacheDir }), r.info);

  // idempotent and quick
  const again = await pullDefaultImage({ cacheDir });
  assert.equal(again.reused, true);
  assert.ok(again.seconds < 10, `cached pull took ${again.seconds} s`);
  assert.deepEqual(again.manifest, m);
});

test('a corrupt cached file is detected and the image pulled again', { skip: SKIP_NET, timeout: 20 * 60_000 }, async () => {
  // Work on a private cache so other tests reading the shared one are not disturbed. Seed it with the
  // already-downloaded .debs (apt reuses them when their SHA256 matches) to avoid downloading again.
  const main = await pullDefaultImage({ cacheDir });
  const cache = mkdtempSync(join(tmpdir(), 'hv-pull-'));
  try {
    const archives = join(cache, 'apt/cache/archives');
    mkdirSync(archives, { recursive: true });
    for (const p of main.manifest.packages) copyFileSync(join(cacheDir, p.deb), join(archives, basename(p.deb)));
    const first = await pullDefaultImage({ cacheDir: cache });
    assert.equal(first.reused, false);
    assert.ok(first.download!.packages.every((p) => p.cached), 'seeded .debs were reused');
    assert.equal(first.manifest.initramfs.sha256, main.manifest.initramfs.sha256, 'same inputs → same initramfs bytes');

    writeFileSync(first.info.firmware.fw_jump, 'corrupt');
    const fixed = await pullDefaultImage({ cacheDir: cache });
    assert.equal(fixed.reused, false);
    assert.equal(fixed.manifest.firmware.fw_jump.sha256, first.manifest.firmware.fw_jump.sha256);

    writeFileSync(fixed.info.initramfs, 'corrupt');
    const rebuilt = await pullDefaultImage({ cacheDir: cache });
    assert.equal(rebuilt.reused, true);
    assert.equal(rebuilt.rebuiltInitramfs, true);
    assert.equal(rebuilt.manifest.initramfs.sha256, first.manifest.initramfs.sha256);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a newer debian-archive-keyring can be bootstrapped, verified by the host keyring', { skip: SKIP_NET || (existsSync('/etc/apt') ? false : 'no /etc/apt'), timeout: 10 * 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'hv-apt-keyring-'));
  try {
    const apt = new PrivateApt({ root, keyring: 'bootstrap' });
    await apt.setup();
    await apt.update();
    assert.match(apt.keyringPath!, /keyring\/[^/]+\/usr\/share\/keyrings\/debian-archive-keyring\.(gpg|pgp)$/);
    assert.ok(await apt.show('opensbi'), 'trixie lists verified with the bootstrapped keyring');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('downloadWithDeps resolves and fetches dependencies (verified), then reuses them', { skip: SKIP_NET, timeout: 10 * 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'hv-apt-deps-'));
  try {
    const apt = new PrivateApt({ root });
    await apt.setup();
    await apt.update();
    const first = await apt.downloadWithDeps(['libzstd1']);
    const names = first.packages.map((p) => p.package);
    assert.ok(names.includes('libzstd1') && names.includes('libc6'), names.join(' '));
    for (const p of first.packages) assert.ok(existsSync(p.path) && p.path.startsWith(apt.layout.archivesDir));
    const again = await apt.downloadWithDeps(['libzstd1']);
    assert.deepEqual(again.packages.map((p) => p.package), names);
    assert.ok(again.packages.every((p) => p.cached));
    assert.equal(again.fetchedBytes, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the default image boots under QEMU to the userspace marker', { skip: SKIP_QEMU, timeout: 5 * 60_000 }, async (t) => {
  const { info } = await pullDefaultImage({ cacheDir });
  const args = ['-M', 'virt', '-m', '512M', '-smp', '1', '-nographic', '-no-reboot', '-bios', info.firmware.fw_dynamic,
    '-kernel', info.kernel, '-initrd', info.initramfs, '-append', 'console=ttyS0'];
  const t0 = Date.now();
  const q = spawn('qemu-system-riscv64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', markerAt = 0, sent = false;
  const done = new Promise<number | null>((resolve) => q.on('exit', resolve));
  const send = (): void => {
    if (sent) return;
    sent = true;
    q.stdin.write('echo MODS $(ls /sys/module | grep -cE "^(virtio_blk|virtio_net|virtio_mmio|ext4)$"); poweroff -f\n');
  };
  let fallback: NodeJS.Timeout | undefined;
  q.stdout.on('data', (d: Buffer) => {
    out += d.toString('latin1');
    if (!markerAt && out.includes(BOOT_MARKER)) {
      markerAt = Date.now();
      fallback = setTimeout(send, 60_000); // prompt not recognised: type anyway
    }
    // The prompt ("~ # "), possibly followed by late kernel messages.
    if (markerAt && !sent && /\n[~/][^\n]* # /.test(out.slice(out.indexOf(BOOT_MARKER)))) send();
  });
  q.stderr.on('data', (d: Buffer) => { out += d.toString('latin1'); });
  const killer = setTimeout(() => q.kill('SIGKILL'), 4 * 60_000);
  await done;
  clearTimeout(killer);
  clearTimeout(fallback);
  assert.ok(markerAt, `no ${BOOT_MARKER} in QEMU output:\n${out.slice(-3000)}`);
  t.diagnostic(`QEMU ${BOOT_MARKER} after ${((markerAt - t0) / 1000).toFixed(2)} s wall, exit after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  assert.match(out, /MODS 4/, 'virtio_blk, virtio_net, virtio_mmio and ext4 loaded');
  assert.doesNotMatch(out, /hv-init: insmod .* failed/);
  assert.doesNotMatch(out, /job control turned off/);
});
