/**
 * What the virtio-net device needs from the host: a place to send Ethernet frames the guest
 * transmits and a source of frames for the guest to receive. Implementations live in
 * src/backends/net/ (passt user-mode networking, the hv switch); tests use in-memory fakes.
 *
 * Frames are whole Ethernet frames (destination MAC first, no preamble, no FCS) without the
 * virtio_net_hdr: the device adds and strips that header.
 */

/** A host-side network endpoint for one NIC. */
export interface NetBackend {
  /**
   * Sends one frame from the guest. The backend may keep a reference to `frame` (the device
   * hands over a fresh copy). Returns false when the backend is congested: the device then stops
   * taking transmit buffers from the guest until the callback given to {@link onDrain} runs.
   * Frames passed while congested are still accepted (not lost).
   */
  send(frame: Uint8Array): boolean;
  /**
   * Registers the receiver of frames for the guest (one receiver; a later call replaces it).
   * The callback runs on the event loop thread, between guest time slices.
   */
  onFrame(cb: (frame: Uint8Array) => void): void;
  /** Registers the callback run when a congested backend can take frames again (optional). */
  onDrain?(cb: () => void): void;
  /**
   * Flow control for receive (optional): `false` asks the backend to stop delivering frames
   * (it stops reading its socket, so the peer sees back-pressure instead of loss); `true` resumes.
   */
  setReceiving?(on: boolean): void;
  /** Releases host resources (sockets, helper processes). Idempotent. */
  close(): void;
}

/** Largest frame the device moves in either direction: 65535-byte IP packet + 14-byte Ethernet header + 1 VLAN tag (QEMU's NET_BUFSIZE-like bound). */
export const MAX_FRAME_BYTES = 65550;
/** Smallest frame a backend delivers (an Ethernet header). */
export const MIN_FRAME_BYTES = 14;
