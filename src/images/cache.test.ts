import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageDir, listImages, resolveCacheDir, type ImageManifest } from './cache.js';
import { defaultImagePaths } from './pull.js';

test('cache dir: HV_CACHE_DIR, then absolute XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(resolveCacheDir({ HV_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/x/y');
  assert.equal(resolveCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/xdg/hv');
  assert.equal(resolveCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u'), '/home/u/.cache/hv');
  assert.equal(resolveCacheDir({}, '/home/u'), '/home/u/.cache/hv');
  assert.throws(() => imageDir('../evil', '/c'), /invalid image name/);
});

test('listImages and defaultImagePaths read manifests', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'hv-cache-'));
  try {
    assert.deepEqual(await listImages({ cacheDir: cache }), []);
    assert.equal(await defaultImagePaths({ cacheDir: cache }), null);
    const f = (path: string, size: number) => ({ path, sha256: '0'.repeat(64), size });
    const m: ImageManifest = {
      schema: 1,
      name: 'default',
      pulledAt: '2025-01-01T00:00:00.000Z',
      distribution: { suite: 'trixie', arch: 'riscv64', mirror: 'http://deb.debian.org/debian' },
      packages: [{ name: 'opensbi', version: '1.6-1', architecture: 'all', deb: 'apt/cache/archives/opensbi_1.6-1_all.deb', sha256: '0'.repeat(64), size: 100 }],
      kernel: { ...f('root/boot/vmlinux-6.12', 30), version: '6.12', format: 'riscv64 Image' },
      busybox: f('root/usr/bin/busybox', 2),
      firmware: { fw_dynamic: f('root/fw_dynamic.bin', 3), fw_jump: f('root/fw_jump.bin', 3) },
      modulesDir: 'root/usr/lib/modules/6.12',
      initramfs: { ...f('initramfs.cpio.gz', 4), builder: 1, modules: [] },
    };
    mkdirSync(join(cache, 'images', 'default'), { recursive: true });
    writeFileSync(join(cache, 'images', 'default', 'manifest.json'), JSON.stringify(m));
    mkdirSync(join(cache, 'images', 'broken'), { recursive: true });
    writeFileSync(join(cache, 'images', 'broken', 'manifest.json'), '{not json');
    const list = await listImages({ cacheDir: cache });
    assert.equal(list.length, 1);
    const i = list[0]!;
    assert.equal(i.name, 'default');
    assert.equal(i.kernelVersion, '6.12');
    assert.equal(i.kernel, join(cache, 'images/default/root/boot/vmlinux-6.12'));
    assert.equal(i.firmware.fw_dynamic, join(cache, 'images/default/root/fw_dynamic.bin'));
    assert.deepEqual(i.sizes, { kernel: 30, initramfs: 4, firmware: 3, packages: 100 });
    assert.equal(i.pulledAt, '2025-01-01T00:00:00.000Z');
    assert.deepEqual(await defaultImagePaths({ cacheDir: cache }), i);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
