/** virtio-input constants (virtio 1.2 §5.8) and the few Linux evdev codes hv uses (linux/input-event-codes.h). */

/** Queues (§5.8.2): eventq (device → driver input events), statusq (driver → device, e.g. LED state). */
export const Q_EVENT = 0;
export const Q_STATUS = 1;

/** `select` values of the configuration space (§5.8.4, enum virtio_input_config_select). */
export const CFG_UNSET = 0x00;
export const CFG_ID_NAME = 0x01;
export const CFG_ID_SERIAL = 0x02;
export const CFG_ID_DEVIDS = 0x03;
export const CFG_PROP_BITS = 0x10;
export const CFG_EV_BITS = 0x11;
export const CFG_ABS_INFO = 0x12;

/**
 * Config layout (§5.8.4, struct virtio_input_config): u8 select, u8 subsel (written by the driver),
 * u8 size (the device's answer), u8 reserved[5], then a 128-byte union (string, bitmap, absinfo, devids).
 */
export const CFG_SELECT = 0;
export const CFG_SUBSEL = 1;
export const CFG_SIZE = 2;
export const CFG_U = 8;
export const CFG_U_LEN = 128;
export const CONFIG_SIZE = CFG_U + CFG_U_LEN;

/** struct virtio_input_event (§5.8.6): le16 type, le16 code, le32 value. */
export const EVENT_SIZE = 8;

/** Event types and codes (Linux evdev, which virtio-input mirrors). */
export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const SYN_REPORT = 0;
export const KEY_POWER = 116;
/** input_id.bustype BUS_VIRTUAL (linux/input.h). */
export const BUS_VIRTUAL = 0x06;
