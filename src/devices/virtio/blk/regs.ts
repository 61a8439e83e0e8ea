/** virtio-blk constants (virtio 1.2 §5.2). */

/** Feature bits (§5.2.3). */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_GEOMETRY = 4;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_TOPOLOGY = 10;
export const VIRTIO_BLK_F_CONFIG_WCE = 11;
export const VIRTIO_BLK_F_MQ = 12;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

/** Config space offsets (§5.2.4, struct virtio_blk_config). */
export const CFG_CAPACITY = 0; // le64, in 512-byte sectors
export const CFG_SIZE_MAX = 8; // le32
export const CFG_SEG_MAX = 12; // le32
export const CFG_GEOMETRY = 16; // le16 cylinders, u8 heads, u8 sectors
export const CFG_BLK_SIZE = 20; // le32
export const CFG_TOPOLOGY = 24; // u8 physical_block_exp, u8 alignment_offset, le16 min_io_size, le32 opt_io_size
export const CFG_WRITEBACK = 32; // u8
export const CFG_NUM_QUEUES = 34; // le16
export const CFG_MAX_DISCARD_SECTORS = 36; // le32
export const CFG_MAX_DISCARD_SEG = 40; // le32
export const CFG_DISCARD_SECTOR_ALIGNMENT = 44; // le32
export const CFG_MAX_WRITE_ZEROES_SECTORS = 48; // le32
export const CFG_MAX_WRITE_ZEROES_SEG = 52; // le32
export const CFG_WRITE_ZEROES_MAY_UNMAP = 56; // u8
/** Bytes of config space hv exposes (through write_zeroes_may_unmap and its padding). */
export const CONFIG_SIZE = 60;

/** Request types (§5.2.6). */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_GET_LIFETIME = 10;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;
export const VIRTIO_BLK_T_SECURE_ERASE = 14;

/** Request status byte (§5.2.6). */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

/** struct virtio_blk_req header: le32 type, le32 reserved, le64 sector. */
export const REQ_HEADER_SIZE = 16;
/** struct virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags. */
export const DWZ_SEGMENT_SIZE = 16;
export const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
/** GET_ID: the serial is at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
