/** Tests of the host CPU lists `hv vm create/set --host-cpus` takes (taskset's syntax). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpuList } from './vm.js';
import { isUserError } from '../base/errors.js';

test('--host-cpus: single CPUs, lists and ranges; sorted, duplicates merged', () => {
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.deepEqual(parseCpuList('1,0'), [0, 1]);
  assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('4, 0-1,1'), [0, 1, 4]);
});

test('--host-cpus mistakes: one clear error each', () => {
  for (const [s, re] of [['', /invalid host CPU list ""/], ['a', /expected numbers and ranges/], ['0,', /invalid host CPU list/], ['-1', /invalid host CPU list/], ['3-1', /invalid host CPU range "3-1"/], ['0-5000', /range/]] as const) {
    assert.throws(() => parseCpuList(s), (e: unknown) => isUserError(e) && re.test((e as Error).message), s);
  }
});
