/**
 * virtio-net constants (virtio 1.2 §5.1): feature bits, config-space layout, the
 * virtio_net_hdr that precedes every frame in both directions, and queue numbering.
 */

/** Feature bits (§5.1.3). Only the ones hv offers or checks are listed. */
export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_GUEST_CSUM = 1;
export const VIRTIO_NET_F_MTU = 3;
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_GUEST_TSO4 = 7;
export const VIRTIO_NET_F_HOST_TSO4 = 11;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_F_CTRL_VQ = 17;

/** Config space (§5.1.4): mac[6] at 0, status u16 at 6, max_virtqueue_pairs u16 at 8, mtu u16 at 10. */
export const CFG_MAC = 0;
export const CFG_STATUS = 6;
export const CFG_MAX_VQ_PAIRS = 8;
export const CFG_MTU = 10;
export const CFG_SIZE = 12;

/** config.status bits. */
export const VIRTIO_NET_S_LINK_UP = 1;

/**
 * struct virtio_net_hdr (§5.1.6): flags u8, gso_type u8, hdr_len u16, gso_size u16,
 * csum_start u16, csum_offset u16, num_buffers u16 — 12 bytes, since VIRTIO_F_VERSION_1 is always
 * negotiated (the transport requires it) and then num_buffers is always present.
 */
export const NET_HDR_SIZE = 12;
export const HDR_FLAGS = 0;
export const HDR_GSO_TYPE = 1;
export const HDR_HDR_LEN = 2;
export const HDR_GSO_SIZE = 4;
export const HDR_CSUM_START = 6;
export const HDR_CSUM_OFFSET = 8;
export const HDR_NUM_BUFFERS = 10;

/** virtio_net_hdr.flags. */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
/** virtio_net_hdr.gso_type. */
export const VIRTIO_NET_HDR_GSO_NONE = 0;

/** Queue indices with one queue pair and no control queue (§5.1.2). */
export const RX_QUEUE = 0;
export const TX_QUEUE = 1;
