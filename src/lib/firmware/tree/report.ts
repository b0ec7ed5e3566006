/**
 * The tree for people and for scripts: an indented text table in the spirit of
 * `UEFIExtract FILE report`, and plain JSON (no parent links, no bytes).
 */
import { hexDigits } from '../bytes/hex';
import { guidName } from '../guids';
import type { FieldValue, FirmwareNode } from './node';

/** One node for people and scripts, without its children, parent link or bytes. */
export interface NodeSummary {
  kind: FirmwareNode['kind'];
  type: string;
  name?: string;
  guid?: string;
  guidName?: string;
  /** Offset in the parent's body. */
  offset: number;
  /** Offset in the input file, when the node lies in undecoded bytes. */
  absOffset?: number;
  size: number;
  headerSize: number;
  decoded?: { method: string; size: number };
  fields: Record<string, FieldValue>;
  checks: { name: string; ok: boolean; detail?: string }[];
  warnings: string[];
  text?: string;
}

export interface NodeJson extends NodeSummary {
  children: NodeJson[];
}

export function nodeSummary(node: FirmwareNode): NodeSummary {
  const known = node.guid ? guidName(node.guid) : undefined;
  return {
    kind: node.kind,
    type: node.type,
    ...(node.name !== undefined ? { name: node.name } : {}),
    ...(node.guid !== undefined ? { guid: node.guid } : {}),
    ...(known ? { guidName: known } : {}),
    offset: node.offset,
    ...(node.absOffset !== undefined ? { absOffset: node.absOffset } : {}),
    size: node.raw.length,
    headerSize: node.headerSize,
    ...(node.decoded
      ? { decoded: { method: node.decoded.method, size: node.decoded.bytes.length } }
      : {}),
    fields: node.fields,
    checks: node.checks,
    warnings: node.warnings,
    ...(node.text !== undefined ? { text: node.text } : {}),
  };
}

export function treeToJson(node: FirmwareNode): NodeJson {
  return { ...nodeSummary(node), children: node.children.map(treeToJson) };
}

const hex8 = (n: number) => hexDigits(n, 8, true);

/**
 * One line per node: kind, type, offset (absolute, or `+offset` inside decompressed data),
 * size, and the name with dashes for depth. Failed checks and warnings follow their node.
 */
export function treeToText(root: FirmwareNode): string {
  const rows: string[][] = [['Kind', 'Type', 'Offset', 'Size', 'Name']];
  const notes = new Map<number, string[]>();
  const visit = (n: FirmwareNode, depth: number) => {
    const where = n.absOffset !== undefined ? hex8(n.absOffset) : `+${hex8(n.offset)}`;
    const text = n.text?.replace(/\s+/g, ' ').slice(0, 60);
    const label = [n.guid, n.name ?? (n.guid ? guidName(n.guid) : undefined), text && `"${text}"`]
      .filter(Boolean)
      .join(' ');
    rows.push([
      n.kind,
      n.type,
      where,
      hex8(n.raw.length),
      `${'-'.repeat(depth)} ${label}`.trimEnd(),
    ]);
    const bad = [
      ...n.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'failed'}`),
      ...n.warnings,
    ];
    if (bad.length) notes.set(rows.length - 1, bad);
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const out: string[] = [];
  rows.forEach((r, i) => {
    out.push(r.map((cell, j) => (j < 4 ? cell.padEnd(widths[j]) : cell)).join(' | '));
    for (const note of notes.get(i) ?? []) out.push(`${' '.repeat(widths[0])}   ! ${note}`);
  });
  return out.join('\n') + '\n';
}
