/**
 * The explorer's view of a parsed tree: one flat list of plain rows (no bytes, no parent links)
 * that the page can virtualise, and the few byte-level answers it asks for one node at a time.
 */
import { childSource, type FirmwareNode, nodeSummary, type NodeSummary } from '$lib/firmware';

export interface ExplorerNode extends NodeSummary {
  /** Pre-order index: the same bytes always give the same ids. */
  id: number;
  parent: number;
  depth: number;
  /** Id after this node's subtree: its descendants are ids id+1 … end-1. */
  end: number;
  childCount: number;
}

export interface ExplorerTree {
  nodes: ExplorerNode[];
  size: number;
}

/** The tree as rows, in pre-order, and the nodes by the same ids. */
export function flatten(root: FirmwareNode): { rows: ExplorerNode[]; nodes: FirmwareNode[] } {
  const rows: ExplorerNode[] = [];
  const nodes: FirmwareNode[] = [];
  // An explicit stack: vendor images nest deep enough that recursion is not worth the risk.
  const stack: { node: FirmwareNode; parent: number; depth: number; child: number }[] = [];
  const open = (node: FirmwareNode, parent: number, depth: number) => {
    const id = rows.length;
    rows.push({
      ...nodeSummary(node),
      id,
      parent,
      depth,
      end: id + 1,
      childCount: node.children.length,
    });
    nodes.push(node);
    stack.push({ node, parent: id, depth, child: 0 });
  };
  open(root, -1, 0);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.child < top.node.children.length) {
      open(top.node.children[top.child++], top.parent, top.depth + 1);
    } else {
      rows[top.parent].end = rows.length;
      stack.pop();
    }
  }
  return { rows, nodes };
}

export type NodePart = 'whole' | 'body' | 'decoded';

/** The bytes of one part of a node, as a fresh copy that can be transferred. */
export function nodePart(node: FirmwareNode, part: NodePart): Uint8Array {
  if (part === 'decoded') return (node.decoded ? childSource(node) : node.raw).slice();
  if (part === 'body') return node.raw.slice(node.headerSize);
  return node.raw.slice();
}

/**
 * A node's body as text search should see it: unpacked when it was compressed, and with the
 * still-compressed streams of its descendants blanked out (packed bytes read as noise).
 */
export function readableBody(node: FirmwareNode): Uint8Array {
  const body = childSource(node);
  const packed: [number, number][] = [];
  const visit = (n: FirmwareNode) => {
    for (const c of n.children) {
      if (c.raw.buffer !== body.buffer) continue;
      const at = c.raw.byteOffset - body.byteOffset;
      if (c.decoded) packed.push([at + c.headerSize, at + c.raw.length]);
      else visit(c);
    }
  };
  visit(node);
  if (!packed.length) return body;
  const copy = body.slice();
  for (const [from, to] of packed) copy.fill(0, Math.max(0, from), Math.min(copy.length, to));
  return copy;
}

export interface FoundString {
  offset: number;
  encoding: 'ascii' | 'utf16';
  text: string;
}

const printable = (c: number) => c >= 0x20 && c < 0x7f;

/**
 * Machine code and random bytes make printable runs too: keep runs that read like words or
 * paths (a lowercase word, or a capitalised one), mostly made of letters, digits and spaces.
 */
function wordy(text: string): boolean {
  if (!/[a-z]{4}|[A-Z][a-z]{2}/.test(text)) return false;
  let plain = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x20)
      plain++;
  }
  return plain >= text.length * 0.75;
}

/**
 * Printable runs of at least `min` characters, ASCII and UTF-16LE, like `strings -e l`: what a
 * person looks at to recognise a blob (build paths, version banners, copyright lines).
 */
export function findStrings(bytes: Uint8Array, min = 8, limit = 500): FoundString[] {
  const out: FoundString[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length && out.length < limit; i++) {
    if (i < bytes.length && printable(bytes[i])) {
      if (start < 0) start = i;
    } else {
      if (start >= 0 && i - start >= min) {
        const text = String.fromCharCode(...bytes.subarray(start, Math.min(i, start + 200)));
        if (wordy(text)) out.push({ offset: start, encoding: 'ascii', text });
      }
      start = -1;
    }
  }
  for (const phase of [0, 1]) {
    start = -1;
    for (let i = phase; i + 1 <= bytes.length && out.length < limit; i += 2) {
      const ok = i + 1 < bytes.length && printable(bytes[i]) && bytes[i + 1] === 0;
      if (ok) {
        if (start < 0) start = i;
      } else {
        if (start >= 0 && (i - start) / 2 >= min - 2) {
          let text = '';
          for (let j = start; j < i && text.length < 200; j += 2)
            text += String.fromCharCode(bytes[j]);
          if (wordy(text)) out.push({ offset: start, encoding: 'utf16', text });
        }
        start = -1;
      }
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
