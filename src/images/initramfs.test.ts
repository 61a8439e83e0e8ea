import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readCpio } from './cpio.js';
import { BOOT_MARKER, DEFAULT_MODULES, buildInitramfs, buildInitramfsDetailed, busyboxApplets, renderInit, renderPowerButtonHandler } from './initramfs.js';
import { ModuleTree, moduleName, parseModinfo, renderModulesDep } from './modules.js';

const KVER = '6.1.0-test-riscv64';
const haveXz = spawnSync('sh', ['-c', 'command -v xz'], { stdio: 'ignore' }).status === 0;
const haveCpio = spawnSync('sh', ['-c', 'command -v cpio'], { stdio: 'ignore' }).status === 0;

/** A minimal ELF64 little-endian relocatable with only a .modinfo section — enough for parseModinfo. */
function fakeKo(modinfo: Record<string, string | string[]>): Buffer {
  const items: string[] = [];
  for (const [k, v] of Object.entries(modinfo)) for (const x of Array.isArray(v) ? v : [v]) items.push(`${k}=${x}`);
  const info = Buffer.from(`${items.join('\0')}\0`);
  const shstr = Buffer.from('\0.modinfo\0.shstrtab\0');
  const infoOff = 64, strOff = infoOff + info.length, shOff = (strOff + shstr.length + 7) & ~7;
  const b = Buffer.alloc(shOff + 3 * 64);
  b.writeUInt32BE(0x7f454c46, 0); b[4] = 2; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(1, 16); b.writeUInt16LE(243, 18); b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(shOff), 0x28); b.writeUInt16LE(64, 0x34); b.writeUInt16LE(64, 0x3a); b.writeUInt16LE(3, 0x3c); b.writeUInt16LE(2, 0x3e);
  info.copy(b, infoOff); shstr.copy(b, strOff);
  const sh = (i: number, name: number, type: number, off: number, size: number): void => {
    const o = shOff + i * 64;
    b.writeUInt32LE(name, o); b.writeUInt32LE(type, o + 4); b.writeBigUInt64LE(BigInt(off), o + 0x18); b.writeBigUInt64LE(BigInt(size), o + 0x20);
  };
  sh(1, 1, 1, infoOff, info.length);
  sh(2, 10, 3, strOff, shstr.length);
  return b;
}

function fakeBusybox(): Buffer {
  const names = ['[', '[[', 'ash', 'busybox', 'cat', 'cttyhack', 'echo', 'insmod', 'ls', 'mount', 'poweroff', 'setsid', 'sh'];
  return Buffer.concat([Buffer.from('\x7fELF....junk\0\0'), Buffer.from(`${names.join('\0')}\0\0`), Buffer.from('/var/log\0more junk')]);
}

interface Fixture { dir: string; modulesDir: string; busybox: string }

function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'hv-initramfs-'));
  const modulesDir = join(dir, 'lib/modules', KVER);
  const vermagic = `${KVER} SMP mod_unload modversions riscv`;
  const mods: [string, Record<string, string | string[]>, 'xz' | 'gz' | 'plain'][] = [
    ['kernel/drivers/virtio/virtio_mmio.ko', { alias: 'of:N*T*Cvirtio,mmio', depends: '', name: 'virtio_mmio', vermagic }, 'xz'],
    ['kernel/drivers/char/hw_random/virtio-rng.ko', { alias: 'virtio:d00000004v*', depends: '', name: 'virtio_rng', vermagic }, 'plain'],
    ['kernel/fs/ext4/ext4.ko', { alias: ['fs-ext4', 'fs-ext3'], softdep: 'pre: crypto-crc32c', depends: 'jbd2,mbcache', name: 'ext4', vermagic }, 'gz'],
    ['kernel/fs/jbd2/jbd2.ko', { softdep: 'pre: crypto-crc32c', depends: '', name: 'jbd2', vermagic }, 'xz'],
    ['kernel/fs/mbcache.ko', { depends: '', name: 'mbcache', vermagic }, 'plain'],
    ['kernel/crypto/crc32c_generic.ko', { alias: ['crypto-crc32c', 'crc32c'], depends: '', name: 'crc32c_generic', vermagic }, 'xz'],
    ['kernel/drivers/other/unused.ko', { depends: '', name: 'unused', vermagic }, 'plain'],
  ];
  for (const [rel, info, comp] of mods) {
    const p = join(modulesDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    const ko = fakeKo(info);
    const c = comp === 'xz' && !haveXz ? 'plain' : comp;
    if (c === 'plain') writeFileSync(p, ko);
    else if (c === 'gz') writeFileSync(`${p}.gz`, gzipSync(ko));
    else writeFileSync(`${p}.xz`, spawnSync('xz', ['-c', '--check=crc32'], { input: ko }).stdout);
  }
  writeFileSync(join(modulesDir, 'modules.builtin'), 'kernel/drivers/char/virtio_console.ko\nkernel/drivers/virtio/virtio_pci.ko\n');
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, fakeBusybox());
  return { dir, modulesDir, busybox };
}

test('busyboxApplets reads the applet table from the binary', () => {
  const a = busyboxApplets(fakeBusybox());
  assert.deepEqual(a, ['[', '[[', 'ash', 'busybox', 'cat', 'cttyhack', 'echo', 'insmod', 'ls', 'mount', 'poweroff', 'setsid', 'sh']);
  assert.deepEqual(busyboxApplets(Buffer.from('no table here')), []);
});

test('parseModinfo reads depends, aliases and soft dependencies', () => {
  const m = parseModinfo(fakeKo({ alias: ['a1', 'a2'], softdep: 'pre: x y post: z', depends: 'dep-one,dep2', name: 'm', vermagic: 'v' }));
  assert.equal(m.name, 'm');
  assert.deepEqual(m.aliases, ['a1', 'a2']);
  assert.deepEqual(m.depends, ['dep_one', 'dep2']);
  assert.deepEqual(m.softdepPre, ['x', 'y']);
  assert.deepEqual(m.softdepPost, ['z']);
  assert.equal(m.vermagic, 'v');
  assert.equal(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko.xz'), 'virtio_rng');
});

test('module resolution: dependency order, soft deps via aliases, built-ins skipped', async () => {
  const fx = makeFixture();
  try {
    const tree = await ModuleTree.open(fx.modulesDir);
    const r = await tree.resolve(['virtio_mmio', 'virtio-rng', 'virtio_console', 'ext4']);
    assert.deepEqual(r.modules.map((m) => m.name), ['virtio_mmio', 'virtio_rng', 'crc32c_generic', 'jbd2', 'mbcache', 'ext4']);
    assert.deepEqual(r.builtin, ['virtio_console']);
    assert.deepEqual(r.unresolvedSoftdeps, []);
    const ext4 = r.modules.find((m) => m.name === 'ext4')!;
    assert.equal(ext4.relPath, 'kernel/fs/ext4/ext4.ko');
    assert.deepEqual(ext4.depends, ['jbd2', 'mbcache']);
    assert.equal(ext4.data.readUInt32BE(0), 0x7f454c46, 'decompressed');
    assert.match(renderModulesDep(r.modules), /^kernel\/fs\/ext4\/ext4\.ko: kernel\/fs\/jbd2\/jbd2\.ko kernel\/fs\/mbcache\.ko$/m);
    await assert.rejects(tree.resolve(['no_such_module']), /neither built in nor present/);
  } finally {
    rmSync(fx.dir, { recursive: true, force: true });
  }
});

test('buildInitramfs: contents, /init, and deterministic bytes', async () => {
  const fx = makeFixture();
  try {
    const opts = { busybox: fx.busybox, modulesDir: fx.modulesDir, kernelVersion: KVER, modules: ['virtio_mmio', 'virtio_rng', 'virtio_console', 'ext4'] };
    const a = await buildInitramfsDetailed(opts);
    // Touch every input: mtimes must not leak into the output.
    utimesSync(fx.busybox, new Date(2001, 1, 1), new Date(2001, 1, 1));
    utimesSync(join(fx.modulesDir, 'kernel/fs/mbcache.ko'), new Date(2002, 1, 1), new Date(2002, 1, 1));
    const b = await buildInitramfs(opts);
    assert.deepEqual(a.data, b, 'same inputs → same bytes');
    assert.notDeepEqual(await buildInitramfs({ ...opts, extraInit: 'echo hi' }), b);

    const entries = readCpio(gunzipSync(a.data));
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const e of entries) assert.equal(e.mtime, 0);
    // parents precede children
    entries.forEach((e, i) => {
      const parent = e.name.split('/').slice(0, -1).join('/');
      if (parent) assert.ok(entries.findIndex((x) => x.name === parent) < i, `${parent} before ${e.name}`);
    });
    assert.equal(byName.get('bin/busybox')!.mode, 0o755);
    assert.equal(byName.get('bin/sh')!.target, 'busybox');
    assert.equal(byName.get('bin/[')!.target, 'busybox');
    assert.ok(!byName.has('bin/busybox') || byName.get('bin/busybox')!.type === 'file');
    const con = byName.get('dev/console')!;
    assert.equal(con.type, 'char'); assert.equal(con.major, 5); assert.equal(con.minor, 1);
    for (const d of ['proc', 'sys', 'tmp', 'dev', 'root']) assert.equal(byName.get(d)?.type, 'dir', d);
    assert.equal(byName.get('tmp')!.mode, 0o1777);
    const base = `lib/modules/${KVER}`;
    for (const m of ['kernel/drivers/virtio/virtio_mmio.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/crypto/crc32c_generic.ko', 'modules.dep', 'modules.alias', 'modules.builtin']) {
      assert.ok(byName.has(`${base}/${m}`), m);
    }
    assert.ok(!byName.has(`${base}/kernel/drivers/other/unused.ko`));
    assert.match(byName.get(`${base}/modules.alias`)!.data!.toString(), /^alias fs-ext4 ext4$/m);

    const init = byName.get('init')!;
    assert.equal(init.mode, 0o755);
    const script = init.data!.toString();
    assert.match(script, /^#!\/bin\/sh\n/);
    assert.match(script, new RegExp(`^echo ${BOOT_MARKER}$`, 'm'));
    const loads = [...script.matchAll(/^load (\S+) (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(loads, ['virtio_mmio', 'virtio_rng', 'crc32c_generic', 'jbd2', 'mbcache', 'ext4']);
    assert.ok(script.indexOf('mount -t devtmpfs') < script.indexOf(BOOT_MARKER));
    assert.ok(script.indexOf(BOOT_MARKER) < script.indexOf('load virtio_mmio'));
    assert.match(script, /setsid cttyhack sh\n(.*\n)*poweroff -f\n$/);
    // Power button: acpid starts only when /init stays in the initramfs (after the root switch), with its handler.
    assert.ok(script.indexOf('exec switch_root') < script.indexOf('acpid -c /etc/acpi'));
    const handler = byName.get('etc/acpi/PWRF/00000080')!;
    assert.equal(handler.mode, 0o755);
    assert.equal(handler.data!.toString(), renderPowerButtonHandler());

    assert.deepEqual(a.modules.filter((m) => m.builtin).map((m) => m.name), ['virtio_console']);

    if (haveCpio) {
      const r = spawnSync('cpio', ['-itv', '--quiet'], { input: gunzipSync(a.data) });
      assert.equal(r.status, 0, r.stderr.toString());
      const out = r.stdout.toString();
      assert.match(out, /^crw------- .* 5,\s+1 .* dev\/console$/m);
      assert.match(out, /^-rwxr-xr-x .* init$/m);
      assert.match(out, /^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    }
  } finally {
    rmSync(fx.dir, { recursive: true, force: true });
  }
});

test('buildInitramfs without modules, and with a mismatched kernel version', async () => {
  const fx = makeFixture();
  try {
    const data = await buildInitramfs({ busybox: fx.busybox, shell: false, extraInit: 'echo custom-step' });
    const init = readCpio(gunzipSync(data)).find((e) => e.name === 'init')!.data!.toString();
    assert.doesNotMatch(init, /insmod|^load /m);
    assert.doesNotMatch(init, /cttyhack/);
    assert.match(init, /echo custom-step\nsync\npoweroff -f\n$/);
    await assert.rejects(buildInitramfs({ busybox: fx.busybox, modulesDir: fx.modulesDir, kernelVersion: '9.9.9', modules: ['mbcache'] }), /is for kernel/);
  } finally {
    rmSync(fx.dir, { recursive: true, force: true });
  }
});

test('renderInit quotes odd module paths and can fall back to busybox --install', () => {
  const s = renderInit({ kernelVersion: '6.1+x', modules: [{ name: 'a', path: "kernel/we'ird.ko" }], installApplets: true });
  assert.match(s, /^\/bin\/busybox --install -s \/bin$/m);
  assert.match(s, /^load a '\/lib\/modules\/6\.1\+x\/kernel\/we'\\''ird\.ko'$/m);
});

test('power button: the default modules include virtio_input and evdev; the acpid handler powers off', () => {
  assert.ok(DEFAULT_MODULES.includes('virtio_input') && DEFAULT_MODULES.includes('evdev'));
  const h = renderPowerButtonHandler();
  assert.match(h, /^#!\/bin\/sh\n/);
  // PID 1 still the /init script (argv "/bin/sh /init"): it ignores poweroff's signal, so power off directly.
  assert.match(h, /\*" \/init "\*\) sync; exec poweroff -f ;;/);
  // Otherwise through init (busybox init runs its shutdown actions), with a forced fallback.
  assert.match(h, /\npoweroff\nsleep 10\nsync; poweroff -f\n$/);
  assert.equal(spawnSync('sh', ['-n'], { input: h }).status, 0, 'valid shell syntax');
});
