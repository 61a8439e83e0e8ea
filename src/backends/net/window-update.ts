/**
 * Zero-window ACKs superseded by a window update (passt links only).
 *
 * passt mirrors the guest's TCP receive window onto its host socket with TCP_WINDOW_CLAMP. When the guest
 * advertises a zero window, the host socket's window collapses; when the guest reopens it, raising the clamp
 * makes the host kernel send no window update, so a host peer that has filled the small window waits for
 * its zero-window probe timer (at least 200 ms) before it sends again. A Linux guest reading a socket in
 * small pieces (busybox wget reads 4 KiB at a time) does exactly this after most bursts: the ACK sent at its
 * first read says "window 0", and the window update follows a fraction of a millisecond later. Measured on
 * 64 MiB downloads (bench io-net): about two stalls of 100-160 ms per transfer with hv, and QEMU's guest
 * sees the same with the same passt.
 *
 * So the link holds a pure ACK with a zero window for up to HOLD_MS. If the guest's next frame is a pure
 * ACK of the same connection with the same sequence number, an acknowledgment at least as far and a
 * non-zero window, the held ACK is dropped: the later one acknowledges everything it did and carries the
 * fresher window (RFC 9293 §3.10.7.4: the window in the latest acceptable segment is the one that counts,
 * and a window update is not a duplicate ACK, RFC 5681 §2). Any other frame first releases the held ACK, so
 * frames keep their order; a held ACK that nothing supersedes goes out when the hold ends. The peer can
 * never send past the guest's window: holding a zero-window ACK only delays news that the window shrank to
 * the right edge the peer already filled.
 */

/** Longest a zero-window ACK waits for a window update (host ms). */
export const HOLD_MS = 2;

/** Where a pure TCP ACK's fields are, or undefined for any other frame. */
interface PureAck {
  /** Byte offset of the TCP header in the frame. */
  tcp: number;
  /** Offset and length of the IP source+destination addresses. */
  addr: number;
  addrLen: number;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const TCP = 6;
/** TCP flags byte: ACK only (no FIN, SYN, RST, PSH, URG, ECE, CWR). */
const FLAGS_ACK_ONLY = 0x10;

/** Parses an Ethernet frame carrying an IPv4 or IPv6 TCP segment with no payload and only the ACK flag. */
export function pureAck(f: Uint8Array): PureAck | undefined {
  if (f.length < 14 + 20) return undefined;
  const type = (f[12]! << 8) | f[13]!;
  let tcp: number, addr: number, addrLen: number, segLen: number;
  if (type === ETH_IPV4) {
    if (f[14]! >> 4 !== 4 || f[23] !== TCP) return undefined;
    const ihl = (f[14]! & 15) * 4;
    if (ihl < 20) return undefined;
    if ((((f[20]! << 8) | f[21]!) & 0x3fff) !== 0) return undefined; // a fragment
    tcp = 14 + ihl;
    addr = 26; addrLen = 8;
    segLen = ((f[16]! << 8) | f[17]!) - ihl;
  } else if (type === ETH_IPV6) {
    if (f[14]! >> 4 !== 6 || f[20] !== TCP) return undefined; // extension headers: left alone
    tcp = 54;
    addr = 22; addrLen = 32;
    segLen = (f[18]! << 8) | f[19]!;
  } else return undefined;
  if (f.length < tcp + 20) return undefined;
  const doff = (f[tcp + 12]! >> 4) * 4;
  if (doff < 20 || segLen !== doff || f.length < tcp + doff || f[tcp + 13] !== FLAGS_ACK_ONLY) return undefined;
  return { tcp, addr, addrLen };
}

const u32 = (f: Uint8Array, o: number): number => ((f[o]! << 24) | (f[o + 1]! << 16) | (f[o + 2]! << 8) | f[o + 3]!) >>> 0;
const u16 = (f: Uint8Array, o: number): number => (f[o]! << 8) | f[o + 1]!;

/** True if `later` supersedes the held zero-window ACK `held` (both pure ACKs, as parsed). */
function supersedes(held: Uint8Array, h: PureAck, later: Uint8Array, l: PureAck): boolean {
  if (h.addrLen !== l.addrLen || (held[12] !== later[12]) || (held[13] !== later[13])) return false;
  for (let i = 0; i < h.addrLen; i++) if (held[h.addr + i] !== later[l.addr + i]) return false;
  for (let i = 0; i < 8; i++) if (held[h.tcp + i] !== later[l.tcp + i]) return false; // ports and seq
  const advance = (u32(later, l.tcp + 8) - u32(held, h.tcp + 8)) >>> 0;
  return advance < 0x80000000 && u16(later, l.tcp + 14) !== 0;
}

export interface WindowUpdateStats {
  /** Zero-window ACKs held back. */
  held: number;
  /** Held ACKs dropped because a window update superseded them. */
  superseded: number;
}

/** Sits in front of a link's send path; `send` is the link's own. */
export class ZeroWindowAckHold {
  readonly stats: WindowUpdateStats = { held: 0, superseded: 0 };
  private held: { frame: Uint8Array; ack: PureAck } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly sendNow: (frame: Uint8Array) => boolean, private readonly holdMs = HOLD_MS) {}

  /** Sends (or holds) one guest frame; returns the link's congestion answer (true while holding). */
  send(frame: Uint8Array): boolean {
    const ack = pureAck(frame);
    const h = this.held;
    if (h !== undefined) {
      this.held = undefined;
      if (ack !== undefined && supersedes(h.frame, h.ack, frame, ack)) {
        this.stats.superseded++;
        clearTimeout(this.timer);
      } else {
        this.release(h.frame);
      }
    }
    if (ack !== undefined && u16(frame, ack.tcp + 14) === 0) {
      this.held = { frame, ack };
      this.stats.held++;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.holdMs);
      return true;
    }
    return this.sendNow(frame);
  }

  /** Sends the held ACK now, if any. */
  flush(): void {
    const h = this.held;
    if (h === undefined) return;
    this.held = undefined;
    this.release(h.frame);
  }

  /** Forgets the held ACK (the link is closing). */
  discard(): void {
    this.held = undefined;
    clearTimeout(this.timer);
  }

  private release(frame: Uint8Array): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sendNow(frame);
  }
}
