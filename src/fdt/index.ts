/** The fdt room: a generic Flattened Device Tree writer, builder helpers and a small parser. */
export { node, prop, Phandles } from './builder.js';
export type { FdtNode, FdtProp, PropMap, ChildSlot } from './builder.js';
export { writeFdt } from './writer.js';
export type { FdtWriteOptions, MemReserve } from './writer.js';
export { parseFdt, findNode, walkNodes, propU32s, propString, propStrings } from './parser.js';
export type { ParsedFdt, ParsedNode } from './parser.js';
export { FdtError, FDT_MAGIC, FDT_VERSION, FDT_LAST_COMP_VERSION } from './format.js';
