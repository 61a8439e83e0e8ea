/** virtio-balloon constants (virtio 1.2 §5.5). */

/** Feature bits (§5.5.3). */
export const VIRTIO_BALLOON_F_MUST_TELL_HOST = 0;
export const VIRTIO_BALLOON_F_STATS_VQ = 1;
export const VIRTIO_BALLOON_F_DEFLATE_ON_OOM = 2;
export const VIRTIO_BALLOON_F_FREE_PAGE_HINT = 3;
export const VIRTIO_BALLOON_F_PAGE_POISON = 4;
export const VIRTIO_BALLOON_F_PAGE_REPORTING = 5;

/** Config layout (§5.5.4): num_pages (device → driver), actual (driver → device), free_page_hint_cmd_id, poison_val. */
export const CFG_NUM_PAGES = 0;
export const CFG_ACTUAL = 4;
export const CFG_FREE_PAGE_HINT_CMD_ID = 8;
export const CFG_POISON_VAL = 12;
export const CONFIG_SIZE = 16;

/** Balloon page size: PFNs are in units of 4 KiB whatever the guest page size (§5.5.6). */
export const BALLOON_PFN_SHIFT = 12;
export const BALLOON_PAGE = 1 << BALLOON_PFN_SHIFT;

/** Queue roles, in virtio order (§5.5.2); absent optional queues are skipped in numbering by drivers. */
export const Q_INFLATE = 0;
export const Q_DEFLATE = 1;

/** Statistic tags (§5.5.6.3), with the names hv reports. */
export const STAT_NAMES: Readonly<Record<number, string>> = {
  0: 'swapIn', 1: 'swapOut', 2: 'majorFaults', 3: 'minorFaults', 4: 'freeMemory', 5: 'totalMemory',
  6: 'availableMemory', 7: 'diskCaches', 8: 'hugetlbAllocations', 9: 'hugetlbFailures',
  10: 'oomKills', 11: 'allocStalls', 12: 'asyncScans', 13: 'directScans', 14: 'asyncReclaims', 15: 'directReclaims',
};
/** One stat entry: tag u16 + value u64, packed (10 bytes). */
export const STAT_ENTRY_SIZE = 10;
