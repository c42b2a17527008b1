// Reads manifest files defensively: bounded size, strict UTF-8, duplicate keys rejected and alias
// expansion bounded (a "billion laughs" file fails fast). Each YAML document comes back with the
// plain value and a locator for its positions. Problems are values, never exceptions.
import { readFile, stat } from 'node:fs/promises';
import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { YamlLocator, type Position } from './locate.ts';
import type { ValidationError } from './types.ts';
import { validationError } from './errors.ts';
import { exactNumber } from '../exact-json.ts';

export const MAX_FILE_BYTES = 1024 * 1024;
/** Aliases one document may expand; plenty for real manifests, far too few for an attack. */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedDocument {
  /** 0-based index of the document in its file. */
  index: number;
  /** The node tree (kept to read kind/name of a broken document). */
  node: Document;
  /** The plain value; undefined when the document has YAML errors. */
  value: unknown;
  locator: YamlLocator;
}

export interface ParsedYaml {
  docs: ParsedDocument[];
  errors: ValidationError[];
}

type Shift = (p: Position) => Position;

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlongs, surrogates and values above U+10FFFF.
    const c1 = bytes[i + 1];
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

/** Decodes strict UTF-8 (TextDecoder fatal); on failure says where the first bad byte is. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { error: Position & { message: string } } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lines = before.split('\n');
    const byte = bytes[at]?.toString(16).padStart(2, '0') ?? '??';
    return {
      error: {
        line: lines.length,
        col: lines[lines.length - 1].length + 1,
        message: `file is not valid UTF-8 (byte 0x${byte} at offset ${at}): save it as UTF-8`,
      },
    };
  }
}

/** The key as written at `offset` (yaml reports a duplicate key by where it starts). */
function duplicateKeyText(text: string, offset: number): string {
  const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s:#][^:#\n]*?)\s*:/.exec(text.slice(offset, offset + 200));
  if (!m) return '?';
  const raw = m[1];
  return raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
}

/**
 * Parses YAML text into documents. `shift` maps positions when the text is embedded in another
 * file (a ConfigMap value); `file` names the file errors are reported against.
 */
export function parseYamlText(text: string, file: string, shift?: Shift): ParsedYaml {
  const lines = new LineCounter();
  const errors: ValidationError[] = [];
  const map = (offset: number): Position => {
    const p = lines.linePos(offset);
    return shift ? shift({ line: p.line, col: p.col }) : { line: p.line, col: p.col };
  };
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const docs: ParsedDocument[] = [];
  // An empty stream (no documents at all) still carries stream-level errors.
  if ('empty' in parsed) {
    for (const e of parsed.errors) errors.push(validationError(file, map(e.pos[0]), 'yaml.syntax', '', `YAML syntax error: ${e.message}`));
  }
  parsed.forEach((doc, index) => {
    const locator = new YamlLocator(doc, lines, text, shift);
    for (const e of doc.errors) {
      if (e.code === 'DUPLICATE_KEY') {
        const key = duplicateKeyText(text, e.pos[0]);
        errors.push(validationError(file, map(e.pos[0]), 'yaml.duplicate-key', '', `duplicate key "${key}": each key may appear only once in a map`));
      } else {
        errors.push(validationError(file, map(e.pos[0]), 'yaml.syntax', '', `YAML syntax error: ${e.message}`));
      }
    }
    // An empty document (comments only, a trailing ---) defines nothing.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    let value: unknown;
    if (doc.errors.length === 0) {
      exactIntegers(doc);
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        if (!(e instanceof ReferenceError)) throw e;
        let aliasAt = doc.range[0];
        visit(doc, {
          Alias(_k, node) {
            if (node.range) aliasAt = node.range[0];
            return visit.BREAK;
          },
        });
        errors.push(
          validationError(file, map(aliasAt), 'yaml.alias-limit', '', `aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}): refusing a document that grows exponentially ("billion laughs")`),
        );
      }
    }
    docs.push({ index, node: doc, value, locator });
  });
  return { docs, errors };
}

/** Reads one manifest file: size limit, strict UTF-8, then parseYamlText. */
export async function readYamlFile(absPath: string, file: string): Promise<ParsedYaml & { readable: boolean }> {
  const size = (await stat(absPath)).size;
  if (size > MAX_FILE_BYTES) {
    return {
      docs: [],
      errors: [validationError(file, { line: 1, col: 1 }, 'file.too-large', '', `file is ${size} bytes; manifests are limited to ${MAX_FILE_BYTES} bytes (1 MiB): split it into several files`)],
      readable: false,
    };
  }
  const decoded = decodeUtf8(await readFile(absPath));
  if ('error' in decoded) {
    return { docs: [], errors: [validationError(file, decoded.error, 'file.encoding', '', decoded.error.message)], readable: false };
  }
  return { ...parseYamlText(decoded.text, file), readable: true };
}

/**
 * An integer scalar beyond 2^53 (a resource modifier value for an int64 field, say) becomes a
 * bigint with the digits as written: a JS number would round it (exact-json.ts). Fields whose
 * schema asks for a number reject a bigint, which such a number deserves there anyway.
 */
function exactIntegers(doc: Document): void {
  visit(doc, {
    Scalar(_k, node) {
      if (typeof node.value === 'number' && Number.isInteger(node.value) && !Number.isSafeInteger(node.value) && typeof node.source === 'string' && /^[-+]?\d+$/.test(node.source)) {
        node.value = exactNumber(node.source.replace(/^\+/, ''));
      }
    },
  });
}
