/** The default initramfs brings up networking: udhcpc on eth0 (when there is a NIC) and its event script. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildInitramfsDetailed, renderInit, renderUdhcpcScript } from './initramfs.js';

test('/init runs udhcpc on eth0 only when the NIC exists, after the modules, before the shell', () => {
  const init = renderInit({ kernelVersion: '6.12.0', modules: [{ name: 'virtio_net', path: 'kernel/drivers/net/virtio_net.ko' }] });
  const lines = init.split('\n');
  const dhcp = lines.findIndex((l) => /udhcpc -i eth0/.test(l));
  assert.ok(dhcp > 0, init);
  assert.match(lines[dhcp]!, /^\[ -e \/sys\/class\/net\/eth0 \] && udhcpc -i eth0 -b -q .*-O mtu/);
  assert.ok(lines.findIndex((l) => /virtio_net\.ko/.test(l)) < dhcp, 'after the driver is loaded');
  assert.ok(lines.indexOf('ip link set lo up') >= 0);
  assert.ok(dhcp < lines.findIndex((l) => /setsid cttyhack sh|busybox init/.test(l)), 'before the shell');
});

test('the udhcpc event script is valid sh and configures address, MTU, route and resolv.conf', () => {
  const s = renderUdhcpcScript();
  const r = spawnSync('sh', ['-n'], { input: s });
  assert.equal(r.status, 0, `sh -n: ${r.stderr}`);
  for (const re of [/ip addr add "\$ip\/\$\{mask:-24\}"/, /ip link set dev "\$interface" mtu "\$mtu"/, /ip route add default via "\$r"/, /nameserver \$d" >> \/etc\/resolv\.conf/, /echo "hv-net: \$interface/]) {
    assert.match(s, re);
  }
});

test('the initramfs holds the script at busybox\'s default path, executable', async () => {
  const b = await buildInitramfsDetailed({ busybox: Buffer.from('not really busybox') });
  const cpio = b.cpio.toString('latin1');
  const at = cpio.indexOf('etc/udhcpc/default.script\0');
  assert.ok(at > 110, 'entry present');
  const hdr = cpio.slice(at - 110, at);
  assert.equal(hdr.slice(0, 6), '070701');
  assert.equal(parseInt(hdr.slice(14, 22), 16) & 0o7777, 0o755, 'mode 0755');
  assert.ok(cpio.includes(renderUdhcpcScript()), 'script contents');
});
