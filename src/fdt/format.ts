/**
 * Flattened Device Tree (DTB) binary format constants and name rules.
 *
 * Spec: Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB) Format"):
 * §5.2 header, §5.3 memory reservation block, §5.4 structure block tokens, §5.5 strings block;
 * §2.2.1 (node names) and §2.2.4 (property names) for the character rules checked here.
 */

/** `magic` field of the header, §5.2. */
export const FDT_MAGIC = 0xd00dfeed;
/** The version this writer emits (§5.2: current version is 17). */
export const FDT_VERSION = 17;
/** Lowest version the emitted blob is backwards compatible with (§5.2: 16). */
export const FDT_LAST_COMP_VERSION = 16;
/** Size of the version-17 header in bytes (ten 32-bit fields). */
export const FDT_HEADER_SIZE = 40;

/** Structure block tokens, §5.4.1. */
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Error for malformed trees given to the writer or malformed blobs given to the parser. */
export class FdtError extends Error {
  constructor(message: string) {
    super(`fdt: ${message}`);
    this.name = 'FdtError';
  }
}

const NODE_NAME_CHARS = /^[0-9A-Za-z,._+-]+$/;
const UNIT_ADDR_CHARS = /^[0-9A-Za-z,._+-]*$/;
const PROP_NAME_CHARS = /^[0-9A-Za-z,._+?#-]+$/;

/**
 * Checks a node name against §2.2.1: `node-name[@unit-address]`, node-name 1–31 characters
 * from [0-9a-zA-Z,._+-]. The root node's name is the empty string.
 */
export function checkNodeName(name: string, isRoot: boolean): void {
  if (isRoot) {
    if (name !== '') throw new FdtError(`the root node must have an empty name, got "${name}"`);
    return;
  }
  const at = name.indexOf('@');
  const base = at < 0 ? name : name.slice(0, at);
  const unit = at < 0 ? '' : name.slice(at + 1);
  if (base.length < 1 || base.length > 31 || !NODE_NAME_CHARS.test(base)) {
    throw new FdtError(`invalid node name "${name}" (node-name must be 1-31 chars of [0-9a-zA-Z,._+-])`);
  }
  if (at >= 0 && (unit.length === 0 || !UNIT_ADDR_CHARS.test(unit))) {
    throw new FdtError(`invalid unit address in node name "${name}"`);
  }
}

/** Checks a property name against §2.2.4.1: 1–31 characters from [0-9a-zA-Z,._+?#-]. */
export function checkPropName(name: string): void {
  if (name.length < 1 || name.length > 31 || !PROP_NAME_CHARS.test(name)) {
    throw new FdtError(`invalid property name "${name}" (must be 1-31 chars of [0-9a-zA-Z,._+?#-])`);
  }
}
