/**
 * Ethernet MAC addresses: parsing and printing in the usual colon form, and hv's default
 * addresses for NICs.
 *
 * Default MACs are locally administered unicast addresses 52:54:PP:PP:PP:PN (52:54 is the prefix
 * QEMU uses for its NICs): the 29-bit process id and the 3-bit NIC index of the VM. Two hv VMs
 * running at the same time on one host have different process ids, so their default addresses
 * never collide on a host-local `switch` network (up to 8 NICs per VM, which is all the board has).
 */

const MAC_RE = /^([0-9a-f]{2})(?::([0-9a-f]{2})){5}$/i;

/** Parses "52:54:00:12:34:56"; returns undefined for anything else. */
export function parseMac(s: string): Uint8Array | undefined {
  if (!MAC_RE.test(s)) return undefined;
  return Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
}

/** Lower-case colon form. */
export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** True for a multicast (group) address: the low bit of the first octet. */
export function isMulticastMac(mac: Uint8Array): boolean { return (mac[0]! & 1) === 1; }

/** The default MAC of NIC `index` (0..7) of the VM run by process `pid`. */
export function defaultMac(index: number, pid: number = process.pid): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 7) throw new RangeError(`NIC index ${index} out of range 0..7`);
  const v = ((pid & 0x1fffffff) * 8 + index) >>> 0;
  return Uint8Array.from([0x52, 0x54, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}
