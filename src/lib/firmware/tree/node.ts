/**
 * One node model for everything the reader parses. Each parser module creates nodes of its
 * own kinds; every consumer (finder, explorer, patcher, CLI report) walks this one shape.
 */
import { IMAGE_DATA, NO_DATA, type NodeData } from './data';
import { displayFields, type FieldValue } from './fields';

export type NodeKind =
  | 'image' // the whole input file
  | 'region' // a flash-descriptor region
  | 'capsule' // a capsule or vendor update package wrapper
  | 'volume' // a firmware volume
  | 'file' // an FFS file
  | 'section' // an FFS section
  | 'padding' // bytes between structures (non-empty padding gets a warning)
  | 'free-space' // erased space at the end of a volume
  | 'rom-image' // one image of a PCI option ROM chain
  | 'pe' // a PE32/PE32+/TE image (bare or inside a section)
  | 'vbt' // a Video BIOS Table blob
  | 'acpi-table' // an ACPI table holding images (AMD's VFCT)
  | 'vfct-image' // one VBIOS record of a VFCT table
  | 'opaque'; // anything kept as bytes (NVRAM, ME region, undecodable data)

export interface Check {
  name: string; // e.g. 'header checksum'
  ok: boolean;
  detail?: string;
}

export type { FieldValue } from './fields';

export type { NodeData } from './data';
export { IMAGE_DATA, NO_DATA } from './data';

export interface FirmwareNode {
  kind: NodeKind;
  /** Short type name for people: 'FFSv2 volume', 'DRIVER', 'GUID_DEFINED', 'BIOS region'. */
  type: string;
  /** The most useful name: UI text, GUID's known name, or region name. */
  name?: string;
  guid?: string;
  /** Byte offset of this node in its parent's body (see `childSource`); NEW_NODE if added. */
  offset: number;
  /** The node's own bytes, header included (a subarray: no copy). */
  raw: Uint8Array;
  /** Bytes of `raw` that are header; the rest is the body. */
  headerSize: number;
  /** Where children come from when they are not a plain sub-range of `raw`. */
  decoded?: { method: string; bytes: Uint8Array };
  /** What the parser read from the node's header, typed: code decides by this. */
  data: NodeData;
  /** Header fields for people (explorer, CLI report), derived from `data` on each read. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  checks: Check[];
  warnings: string[];
  children: FirmwareNode[];
  /** Text payload: UI/version string, decoded DEPEX. */
  text?: string;
  /** Parent link (not serialized to JSON). */
  parent?: FirmwareNode;
  /** Absolute offset in the input file when the node lies in undecoded bytes. */
  absOffset?: number;
}

interface NewNodeBase {
  type: string;
  offset: number;
  raw: Uint8Array;
  headerSize?: number;
  name?: string;
  guid?: string;
  absOffset?: number;
}

/** Kinds without a header of their own; their data defaults to NO_DATA. */
type HeaderlessKind = 'padding' | 'free-space' | 'opaque';

/** A new node: every kind with a header must say what the parser read from it. */
export type NewNode = NewNodeBase &
  (
    | { kind: HeaderlessKind; data?: NodeData }
    | { kind: Exclude<NodeKind, HeaderlessKind>; data: NodeData }
  );

/** The `offset` of a node a builder added: it has no place in the original bytes. */
export const NEW_NODE = -1;

export function makeNode(n: NewNode): FirmwareNode {
  return {
    kind: n.kind,
    type: n.type,
    name: n.name,
    guid: n.guid,
    offset: n.offset,
    raw: n.raw,
    headerSize: n.headerSize ?? 0,
    data: n.data ?? NO_DATA,
    get fields() {
      return displayFields(this);
    },
    checks: [],
    warnings: [],
    children: [],
    absOffset: n.absOffset,
  };
}

/** The root of a tree: the whole input, at offset 0 of itself. */
export function imageNode(raw: Uint8Array, name?: string): FirmwareNode {
  return makeNode({
    kind: 'image',
    type: 'image',
    offset: 0,
    raw,
    name,
    absOffset: 0,
    data: IMAGE_DATA,
  });
}

export function addChild(parent: FirmwareNode, child: FirmwareNode): FirmwareNode {
  child.parent = parent;
  parent.children.push(child);
  return child;
}

/** The bytes a node's children were parsed from. */
export function childSource(node: FirmwareNode): Uint8Array {
  return node.decoded ? node.decoded.bytes : node.raw.subarray(node.headerSize);
}

/** Depth-first walk; return false from `visit` to skip a subtree. */
export function walk(
  node: FirmwareNode,
  visit: (n: FirmwareNode, depth: number) => boolean | void,
  depth = 0,
): void {
  if (visit(node, depth) === false) return;
  for (const c of node.children) walk(c, visit, depth + 1);
}

export function findAll(root: FirmwareNode, pred: (n: FirmwareNode) => boolean): FirmwareNode[] {
  const out: FirmwareNode[] = [];
  walk(root, (n) => {
    if (pred(n)) out.push(n);
  });
  return out;
}

/** A path for messages: `image/BIOS region/volume 8C8CE578…/file IntelGopDriver/PE32`. */
export function pathOf(node: FirmwareNode): string {
  const parts: string[] = [];
  for (let n: FirmwareNode | undefined = node; n; n = n.parent) {
    parts.push(n.name ? `${n.type} ${n.name}` : n.guid ? `${n.type} ${n.guid}` : n.type);
  }
  return parts.reverse().join(' / ');
}
