/** `--drive` parsing (QEMU syntax): every problem is a one-line UserError naming the spec. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../base/errors.js';
import { parseDriveSpec, parseDriveSpecs } from './drive-spec.js';

test('--drive: options, defaults and QEMU-style ",," escapes', () => {
  assert.deepEqual(parseDriveSpec('file=disk.qcow2'), { file: 'disk.qcow2' });
  assert.deepEqual(parseDriveSpec('file=a.img,format=raw,readonly=on,id=root,serial=SN-1,if=virtio'),
    { file: 'a.img', format: 'raw', readOnly: true, id: 'root', serial: 'SN-1' });
  assert.deepEqual(parseDriveSpec('file=we,,ird.img,readonly=off'), { file: 'we,ird.img', readOnly: false });
});

test('--drive: bad specs are refused with a clear message', () => {
  const bad: [string, RegExp][] = [
    ['', /empty option/],
    ['format=raw', /file=PATH is required/],
    ['file=', /file= is empty/],
    ['file=a,format=vmdk', /unknown format "vmdk" \(hv supports raw and qcow2\)/],
    ['file=a,cache=none', /unknown option "cache"/],
    ['file=a,readonly=maybe', /readonly=maybe: expected on or off/],
    ['file=a,file=b', /file given twice/],
    ['file=a,serial=123456789012345678901', /at most 20 bytes/],
    ['file=a,id=9x', /id=9x/],
    ['file=a,if=ide', /if=ide/],
    ['file=a,x', /expected key=value/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseDriveSpec(spec), (e: unknown) => e instanceof UserError && re.test(e.message) && e.message.startsWith('invalid --drive') && e.exitStatus === 2, spec);
  }
  assert.throws(() => parseDriveSpecs(['file=a,id=x', 'file=b,id=x']), /id=x used twice/);
  assert.throws(() => parseDriveSpecs(Array.from({ length: 9 }, (_, i) => `file=d${i}`)), /too many --drive/);
  assert.deepEqual(parseDriveSpecs(undefined), []);
});
