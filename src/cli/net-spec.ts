/**
 * `hv run --net SPEC` (repeatable), in QEMU's spirit:
 *
 *   user[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-:GUESTPORT]…[,mac=52:54:00:12:34:56]
 *   switch=NAME[,mac=…]
 *
 * `user` is user-mode NAT through passt; `switch=NAME` joins the host-local learning switch NAME
 * shared by every hv VM started with the same name. Each --net adds one virtio-net NIC (eth0,
 * eth1, … in flag order). Every problem is a UserError (exit status 2) naming the spec.
 */
import { isIPv4 } from 'node:net';
import { UserError } from '../base/errors.js';
import { formatMac, isMulticastMac, parseMac } from '../base/mac.js';

export interface HostForwardSpec {
  proto: 'tcp' | 'udp';
  /** Host address to bind; undefined = every address. */
  hostAddr?: string;
  hostPort: number;
  guestPort: number;
}

export type NetSpec =
  | { kind: 'user'; forwards: HostForwardSpec[]; mac?: Uint8Array }
  | { kind: 'switch'; name: string; mac?: Uint8Array };

const SWITCH_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function parsePort(s: string, what: string, fail: (m: string) => never): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) fail(`${what} ${JSON.stringify(s)} is not a port number (1-65535)`);
  return Number(s);
}

/** Parses hostfwd's value: [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport (QEMU syntax). */
function parseHostFwd(v: string, fail: (m: string) => never): HostForwardSpec {
  const m = /^(tcp|udp)?:([^:]*):([^-:]*)-([^:]*):(.*)$/.exec(v);
  if (!m) fail(`hostfwd=${v}: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-:GUESTPORT, e.g. hostfwd=tcp:127.0.0.1:8080-:80`);
  const [, proto = 'tcp', hostAddr = '', hostPort = '', guestAddr = '', guestPort = ''] = m;
  if (hostAddr !== '' && !isIPv4(hostAddr)) fail(`hostfwd=${v}: host address ${JSON.stringify(hostAddr)} is not an IPv4 address`);
  if (guestAddr !== '') fail(`hostfwd=${v}: a guest address is not supported (passt forwards to the address it gave the guest); write …-:${guestPort || 'GUESTPORT'}`);
  return {
    proto: proto as 'tcp' | 'udp',
    ...(hostAddr !== '' ? { hostAddr } : {}),
    hostPort: parsePort(hostPort, `hostfwd=${v}: host port`, fail),
    guestPort: parsePort(guestPort, `hostfwd=${v}: guest port`, fail),
  };
}

function parseMacOpt(v: string, fail: (m: string) => never): Uint8Array {
  const mac = parseMac(v);
  if (mac === undefined) fail(`mac=${v}: expected six hex octets separated by colons, e.g. 52:54:00:12:34:56`);
  if (isMulticastMac(mac)) fail(`mac=${v}: a multicast address cannot be a NIC's address (the first octet must be even)`);
  if (mac.every((b) => b === 0)) fail(`mac=${v}: the all-zero address cannot be a NIC's address`);
  return mac;
}

/** Parses one --net value. */
export function parseNetSpec(spec: string): NetSpec {
  const fail = (m: string): never => { throw new UserError(`invalid --net ${JSON.stringify(spec)}: ${m}`); };
  const [head = '', ...opts] = spec.split(',');
  let kind: 'user' | 'switch' = 'user';
  let name = '';
  if (head.startsWith('switch=')) {
    kind = 'switch';
    name = head.slice('switch='.length);
    if (!SWITCH_NAME_RE.test(name)) fail(`switch name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  } else if (head !== 'user') {
    fail(`expected "user[,hostfwd=…][,mac=…]" or "switch=NAME[,mac=…]"`);
  }
  const forwards: HostForwardSpec[] = [];
  let mac: Uint8Array | undefined;
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'mac' && eq >= 0) {
      if (mac !== undefined) fail('mac= given twice');
      mac = parseMacOpt(value, fail);
    } else if (key === 'hostfwd' && eq >= 0 && kind === 'user') {
      const f = parseHostFwd(value, fail);
      const dup = forwards.find((x) => x.proto === f.proto && x.hostPort === f.hostPort);
      if (dup) fail(`host ${f.proto} port ${f.hostPort} is forwarded twice`);
      forwards.push(f);
    } else {
      const known = kind === 'user' ? 'hostfwd=, mac=' : 'mac=';
      fail(`unknown option ${JSON.stringify(o)} (${head === 'user' ? 'user' : 'switch'} takes ${known})`);
    }
  }
  if (kind === 'user') return { kind: 'user', forwards, ...(mac ? { mac } : {}) };
  return { kind: 'switch', name, ...(mac ? { mac } : {}) };
}

/** Parses every --net value and checks them together (distinct MACs, distinct host ports). */
export function parseNetSpecs(specs: readonly string[] | undefined): NetSpec[] {
  const out = (specs ?? []).map(parseNetSpec);
  const macs = new Set<string>();
  const ports = new Set<string>();
  for (const n of out) {
    if (n.mac) {
      const m = formatMac(n.mac);
      if (macs.has(m)) throw new UserError(`invalid --net: MAC address ${m} is given to two NICs`);
      macs.add(m);
    }
    if (n.kind === 'user') {
      for (const f of n.forwards) {
        const k = `${f.proto}:${f.hostPort}`;
        if (ports.has(k)) throw new UserError(`invalid --net: host ${f.proto} port ${f.hostPort} is forwarded by two NICs`);
        ports.add(k);
      }
    }
  }
  return out;
}
