/** Tests for the UserError base class. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError, isUserError, EXIT_BAD_INPUT } from './errors.js';

class ThingError extends UserError {}

test('defaults to exit status 2 and keeps the message', () => {
  const e = new UserError('disk.img: no such file');
  assert.equal(e.message, 'disk.img: no such file');
  assert.equal(e.exitStatus, EXIT_BAD_INPUT);
  assert.equal(EXIT_BAD_INPUT, 2);
  assert.equal(e.name, 'UserError');
  assert.ok(e instanceof Error);
});

test('subclasses keep their own name and can choose the exit status and cause', () => {
  const cause = new Error('ENOENT');
  const e = new ThingError('oops', { exitStatus: 3, cause });
  assert.equal(e.name, 'ThingError');
  assert.equal(e.exitStatus, 3);
  assert.equal(e.cause, cause);
  assert.ok(isUserError(e));
  assert.equal(isUserError(new Error('x')), false);
  assert.equal(isUserError('x'), false);
});

test('rejects exit statuses a process cannot return', () => {
  for (const s of [0, -1, 256, 1.5]) assert.throws(() => new UserError('x', { exitStatus: s }), RangeError);
});
