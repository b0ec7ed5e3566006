/** Test helpers for the container parsers: a ParseContext that only records payloads. */
import { Budget } from '../budget';
import type { ParseContext } from '../tree/context';
import { addChild, imageNode, makeNode, type FirmwareNode } from '../tree/node';

export interface Payload {
  parent: FirmwareNode;
  bytes: Uint8Array;
  abs: number | undefined;
}

/** parseBody attaches one opaque 'payload' node and remembers what it was given. */
export function recordingContext(): { ctx: ParseContext; payloads: Payload[] } {
  const payloads: Payload[] = [];
  const ctx: ParseContext = {
    budget: new Budget(),
    depth: 0,
    async parseBody(parent, bytes, abs) {
      payloads.push({ parent, bytes, abs });
      addChild(
        parent,
        makeNode({ kind: 'opaque', type: 'payload', offset: 0, raw: bytes, absOffset: abs }),
      );
    },
  };
  return { ctx, payloads };
}

export function rootOf(bytes: Uint8Array): FirmwareNode {
  return imageNode(bytes);
}

/** Rows of a UEFIExtract report: type, subtype, base (undefined for N/A), size, name. */
export interface ReportRow {
  type: string;
  subtype: string;
  base?: number;
  size: number;
  name: string;
}

export function parseReport(text: string): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 6) continue;
    rows.push({
      type: cols[0],
      subtype: cols[1],
      base: cols[2] === 'N/A' ? undefined : parseInt(cols[2], 16),
      size: parseInt(cols[3], 16),
      name: cols[5].replace(/^-+\s*/, ''),
    });
  }
  return rows;
}
