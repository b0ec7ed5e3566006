/** Naming and searching explorer rows (plain functions over the worker's rows). */
import type { ExplorerNode, NodePart } from '$lib/worker/bridge';

/** What a person calls a node: its name, the known name of its GUID, its GUID, or its type. */
export function nodeLabel(n: ExplorerNode): string {
  return n.name ?? n.guidName ?? n.guid ?? n.type;
}

/**
 * Flags the nodes matching a query: a GUID (whole or in part, dashes optional), a name, a GUID's
 * known name, a type, or text (UI strings, decoded DEPEX). Case does not matter.
 */
export function searchNodes(nodes: ExplorerNode[], query: string): Uint8Array {
  const q = query.trim().toLowerCase();
  const hits = new Uint8Array(nodes.length);
  if (!q) return hits;
  const bare = q.replace(/[-{}\s]/g, '');
  const guidLike = /^[0-9a-f]{4,}$/.test(bare);
  for (const n of nodes) {
    const guid = n.guid?.toLowerCase();
    if (
      (guid && (guid.includes(q) || (guidLike && guid.replace(/-/g, '').includes(bare)))) ||
      n.name?.toLowerCase().includes(q) ||
      n.guidName?.toLowerCase().includes(q) ||
      n.type.toLowerCase().includes(q) ||
      n.text?.toLowerCase().includes(q)
    ) {
      hits[n.id] = 1;
    }
  }
  return hits;
}

/** A file name for an exported part: the node's label, made safe, and which part it is. */
export function exportName(n: ExplorerNode, part: NodePart): string {
  const base = nodeLabel(n)
    .replace(/[^\w.+-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return `${base || 'node'}-${n.id}.${part}.bin`;
}
