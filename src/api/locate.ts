// Maps a field path (["spec", "s3", "bucket"]) to a line and column in the YAML source, so every
// error can name file:line:col. Works on yaml's Document nodes, whose ranges are offsets that
// the LineCounter turns into 1-based positions.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './errors.ts';

export interface Position {
  line: number;
  col: number;
}

export interface Locator {
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): Position;
  /** Maps positions inside the string at `path` (itself YAML) to positions in this file. */
  embeddedShift?(path: readonly PathSegment[]): (p: Position) => Position;
}

type Shift = (p: Position) => Position;
const identity: Shift = (p) => p;

interface Found {
  node: Node | null;
  key: Node | null;
  complete: boolean;
}

function keyOf(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

/** An empty value (`spec:` with nothing after it) has no position of its own. */
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && (node.source === '' || node.source === undefined);
}

export class YamlLocator implements Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
    private readonly shift: Shift = identity,
  ) {}

  private walk(path: readonly PathSegment[]): Found {
    let node = (this.doc.contents as Node | null) ?? null;
    let key: Node | null = null;
    for (let i = 0; i < path.length; i++) {
      if (node && isAlias(node)) node = (node.resolve(this.doc) as Node | undefined) ?? node;
      const seg = path[i];
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(keyOf(p.key)) === String(seg));
        if (!pair) return { node, key, complete: false };
        key = (pair.key as Node) ?? null;
        node = (pair.value as Node | null) ?? null;
      } else if (node && isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        key = null;
        node = (node.items[seg] as Node | null) ?? null;
      } else {
        return { node, key, complete: false };
      }
    }
    return { node, key, complete: true };
  }

  private offset(path: readonly PathSegment[], at: 'key' | 'value'): number {
    const { node, key, complete } = this.walk(path);
    const nodeStart = node?.range && !isEmptyScalar(node) ? node.range[0] : undefined;
    if (at === 'key' && complete && key?.range) return key.range[0];
    // Scalars and flow collections are pointed at directly; for a block map or list (and for a
    // field that is missing) the key that introduces it is the clearest place.
    const direct = complete && node && nodeStart !== undefined && (isScalar(node) || (isCollection(node) && node.flow));
    if (direct) return nodeStart;
    if (key?.range) return key.range[0];
    if (nodeStart !== undefined) return nodeStart;
    return this.doc.range?.[0] ?? 0;
  }

  locate(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): Position {
    const p = this.lines.linePos(this.offset(path, at));
    return this.shift({ line: p.line, col: p.col });
  }

  /**
   * For a string that itself holds YAML (a ConfigMap's data value), maps positions inside that
   * string to positions in this file. Exact for block literals (`|`), whose lines are the
   * file's lines; any other scalar style maps everything to where the string starts.
   */
  embeddedShift(path: readonly PathSegment[]): Shift {
    const { node, complete } = this.walk(path);
    const start = this.locate(path);
    if (!complete || !node || !isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || !node.range) return () => start;
    const header = this.lines.linePos(node.range[0]).line;
    const body = this.text.slice(node.range[0]).split(/\r?\n/).slice(1);
    const first = body.find((l) => l.trim() !== '') ?? '';
    const indent = first.length - first.trimStart().length;
    return (p) => this.shift({ line: header + p.line, col: indent + p.col });
  }
}
