/** Tests of `--net` parsing: the accepted forms and one clear error (exit status 2) per mistake. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetSpec, parseNetSpecs } from './net-spec.js';
import { isUserError } from '../base/errors.js';

test('--net user with forwards and a MAC; switch with a MAC', () => {
  assert.deepEqual(parseNetSpec('user'), { kind: 'user', forwards: [] });
  assert.deepEqual(parseNetSpec('user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-:53,hostfwd=::2222-:22,mac=52:54:00:AB:cd:01'), {
    kind: 'user',
    forwards: [
      { proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 },
      { proto: 'udp', hostPort: 5353, guestPort: 53 },
      { proto: 'tcp', hostPort: 2222, guestPort: 22 },
    ],
    mac: Uint8Array.from([0x52, 0x54, 0, 0xab, 0xcd, 1]),
  });
  assert.deepEqual(parseNetSpec('switch=lab-1.a_b'), { kind: 'switch', name: 'lab-1.a_b' });
  assert.deepEqual(parseNetSpec('switch=s,mac=02:00:00:00:00:01'), { kind: 'switch', name: 's', mac: Uint8Array.from([2, 0, 0, 0, 0, 1]) });
});

test('--net mistakes: one-line errors that name the spec and the problem', () => {
  const bad: [string, RegExp][] = [
    ['', /expected "user/],
    ['tap', /expected "user/],
    ['user,hostfwd=tcp:127.0.0.1:99999-:80', /host port "99999" is not a port number/],
    ['user,hostfwd=tcp:127.0.0.1:0-:80', /host port "0"/],
    ['user,hostfwd=tcp:127.0.0.1:8080-:', /guest port "" is not a port/],
    ['user,hostfwd=tcp:127.0.0.1:80x-:80', /host port "80x"/],
    ['user,hostfwd=sctp:127.0.0.1:1-:1', /expected \[tcp\|udp\]/],
    ['user,hostfwd=tcp:localhost:8080-:80', /not an IPv4 address/],
    ['user,hostfwd=tcp::8080-10.0.2.15:80', /guest address is not supported/],
    ['user,hostfwd=8080', /expected \[tcp\|udp\]/],
    ['user,hostfwd=tcp::80-:80,hostfwd=tcp:127.0.0.1:80-:81', /forwarded twice/],
    ['user,mac=52:54:00:12:34', /six hex octets/],
    ['user,mac=01:00:5e:00:00:01', /multicast/],
    ['user,mac=00:00:00:00:00:00', /all-zero/],
    ['user,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57', /mac= given twice/],
    ['user,restrict=on', /unknown option "restrict=on"/],
    ['user,hostfwd', /unknown option "hostfwd"/],
    ['switch=', /switch name ""/],
    ['switch=../x', /switch name/],
    ['switch=a,hostfwd=tcp::1-:1', /unknown option .*switch takes mac=/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseNetSpec(spec), (e) => isUserError(e) && e.exitStatus === 2 && e.message.startsWith(`invalid --net ${JSON.stringify(spec)}: `) && re.test(e.message), spec);
  }
});

test('several --net: MACs and host ports must not repeat across NICs', () => {
  assert.equal(parseNetSpecs(undefined).length, 0);
  assert.equal(parseNetSpecs(['user', 'switch=a', 'switch=a']).length, 3);
  assert.throws(() => parseNetSpecs(['switch=a,mac=52:54:00:00:00:01', 'user,mac=52:54:00:00:00:01']), /given to two NICs/);
  assert.throws(() => parseNetSpecs(['user,hostfwd=tcp::80-:80', 'user,hostfwd=tcp::80-:8080']), /forwarded by two NICs/);
});
