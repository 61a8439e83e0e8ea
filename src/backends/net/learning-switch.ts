/**
 * A learning Ethernet switch (IEEE 802.1D transparent bridging, without spanning tree): the
 * forwarding logic of hv's `switch=NAME` networks, free of I/O so it can be unit-tested.
 *
 * - Learning: the source MAC of every frame is recorded against the port it came in on (a MAC
 *   that moves to another port follows it). Entries age out after `ageMs` without traffic.
 * - Forwarding: a unicast frame to a learned MAC goes to that port only (or nowhere, if that is
 *   the port it came from); broadcast, multicast and unknown unicast are flooded to every other
 *   port.
 * - Port loss: removing a port forgets every MAC learned on it.
 *
 * Bounded: the table holds at most `maxEntries` addresses (and each port at most
 * `maxEntriesPerPort`, so one guest spraying random source MACs cannot evict everyone else's);
 * beyond that, new addresses are simply not learned (their frames are flooded), as real switches do.
 * Frames with a multicast source address or shorter than an Ethernet header are dropped.
 */

export interface SwitchPortSink {
  /** Delivers a frame to the port's peer. The frame may be shared between ports: do not modify it. */
  deliver(frame: Uint8Array): void;
}

export interface LearningSwitchOptions {
  /** Milliseconds after which an unused table entry is forgotten (default 300 000, as 802.1D). */
  ageMs?: number;
  maxEntries?: number;
  maxEntriesPerPort?: number;
  /** Time source in ms (tests); default Date.now. */
  now?: () => number;
}

export interface LearningSwitchStats {
  /** Frames received from ports. */
  frames: number;
  /** Frames sent to exactly one learned port. */
  forwarded: number;
  /** Frames flooded to all other ports. */
  flooded: number;
  /** Frames dropped as malformed (too short, multicast source). */
  dropped: number;
  /** Frames to a MAC learned on the port they came from (filtered). */
  filtered: number;
}

interface Entry { port: number; seen: number }

const ETH_HLEN = 14;

/** A MAC address as a number (48 bits fit exactly in a double). */
export function macKey(b: Uint8Array, off: number): number {
  return (b[off]! * 2 ** 40) + (b[off + 1]! * 2 ** 32) + ((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16) + (b[off + 4]! << 8) + b[off + 5]!;
}

export class LearningSwitch {
  readonly stats: LearningSwitchStats = { frames: 0, forwarded: 0, flooded: 0, dropped: 0, filtered: 0 };
  private readonly ports = new Map<number, SwitchPortSink>();
  private readonly perPort = new Map<number, number>();
  private readonly table = new Map<number, Entry>();
  private nextPort = 1;
  private readonly ageMs: number;
  private readonly maxEntries: number;
  private readonly maxPerPort: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(o: LearningSwitchOptions = {}) {
    this.ageMs = o.ageMs ?? 300_000;
    this.maxEntries = o.maxEntries ?? 4096;
    this.maxPerPort = o.maxEntriesPerPort ?? 256;
    this.now = o.now ?? Date.now;
  }

  /** Connects a port; returns its id. */
  addPort(sink: SwitchPortSink): number {
    const id = this.nextPort++;
    this.ports.set(id, sink);
    this.perPort.set(id, 0);
    return id;
  }

  /** Disconnects a port and forgets the addresses learned on it. */
  removePort(id: number): void {
    if (!this.ports.delete(id)) return;
    this.perPort.delete(id);
    for (const [mac, e] of this.table) if (e.port === id) this.table.delete(mac);
  }

  get portCount(): number { return this.ports.size; }

  /** The port a MAC was learned on (undefined if unknown or aged out). */
  lookup(mac: Uint8Array): number | undefined {
    const e = this.table.get(macKey(mac, 0));
    return e !== undefined && this.now() - e.seen < this.ageMs ? e.port : undefined;
  }

  /** Number of learned addresses. */
  get size(): number { return this.table.size; }

  /** A frame entering on port `from`. */
  input(from: number, frame: Uint8Array): void {
    if (!this.ports.has(from)) return;
    this.stats.frames++;
    if (frame.length < ETH_HLEN || (frame[6]! & 1) !== 0) { this.stats.dropped++; return; }
    const now = this.now();
    this.sweep(now);
    this.learn(macKey(frame, 6), from, now);
    if ((frame[0]! & 1) === 0) {
      const e = this.table.get(macKey(frame, 0));
      if (e !== undefined && now - e.seen < this.ageMs) {
        if (e.port === from) { this.stats.filtered++; return; }
        const sink = this.ports.get(e.port);
        if (sink !== undefined) { this.stats.forwarded++; sink.deliver(frame); return; }
      }
    }
    this.stats.flooded++;
    for (const [id, sink] of this.ports) if (id !== from) sink.deliver(frame);
  }

  private learn(mac: number, port: number, now: number): void {
    const e = this.table.get(mac);
    if (e !== undefined) {
      if (e.port !== port) {
        if (this.perPort.get(port)! >= this.maxPerPort) return;
        this.perPort.set(e.port, this.perPort.get(e.port)! - 1);
        this.perPort.set(port, this.perPort.get(port)! + 1);
        e.port = port;
      }
      e.seen = now;
      return;
    }
    if (this.table.size >= this.maxEntries || this.perPort.get(port)! >= this.maxPerPort) return;
    this.table.set(mac, { port, seen: now });
    this.perPort.set(port, this.perPort.get(port)! + 1);
  }

  /** Drops aged entries, at most once per second of switch time. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [mac, e] of this.table) {
      if (now - e.seen >= this.ageMs) {
        this.table.delete(mac);
        this.perPort.set(e.port, this.perPort.get(e.port)! - 1);
      }
    }
  }
}
