// Reads a list response (`{"kind":"…List","metadata":{…},"items":[{…},…]}`) in one pass over
// its bytes: checks that it is JSON, finds where each item lies, and picks out only what a
// backup needs to select and index an item — apiVersion, kind, metadata.name,
// metadata.namespace, metadata.labels — plus the list's continue token.
//
// Why not JSON.parse: a backup archives each object as the server sent it, so it never needs
// the parsed tree. Building it (and collecting it) was the largest cost of a backup after
// gzip (BENCHMARKS.md), and re-serializing it would lose integers beyond 2^53. The grammar is
// checked as strictly as JSON.parse does (RFC 8259), so nothing malformed reaches an archive.
// Pure.

export class ListScanError extends Error {
  override readonly name = 'ListScanError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

export interface ScannedItem {
  /** [start, end) of the item's object in the body. */
  start: number;
  end: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** metadata.deletionTimestamp: the object is being deleted (a backup skips it, as Velero does). */
  deletionTimestamp?: string;
}

export interface ScannedList {
  continue?: string;
  resourceVersion?: string;
  items: ScannedItem[];
}

// What a container is, for the fields the scan picks out.
const OTHER = 0;
const TOP = 1; // the list object
const LIST_META = 2; // the list's metadata
const ITEMS = 3; // the items array
const ITEM = 4; // one item
const ITEM_META = 5; // an item's metadata
const LABELS = 6; // an item's metadata.labels

// Keys of interest, as codes.
const K_OTHER = 0;
const K_METADATA = 1;
const K_ITEMS = 2;
const K_API_VERSION = 3;
const K_KIND = 4;
const K_NAME = 5;
const K_NAMESPACE = 6;
const K_LABELS = 7;
const K_CONTINUE = 8;
const K_RESOURCE_VERSION = 9;
const K_DELETION_TIMESTAMP = 10;

const KEY_METADATA: [number, Buffer] = [K_METADATA, Buffer.from('metadata')];
const KEY_ITEMS: [number, Buffer] = [K_ITEMS, Buffer.from('items')];
const KEY_API_VERSION: [number, Buffer] = [K_API_VERSION, Buffer.from('apiVersion')];
const KEY_KIND: [number, Buffer] = [K_KIND, Buffer.from('kind')];
const KEY_NAME: [number, Buffer] = [K_NAME, Buffer.from('name')];
const KEY_NAMESPACE: [number, Buffer] = [K_NAMESPACE, Buffer.from('namespace')];
const KEY_LABELS: [number, Buffer] = [K_LABELS, Buffer.from('labels')];
const KEY_CONTINUE: [number, Buffer] = [K_CONTINUE, Buffer.from('continue')];
const KEY_RESOURCE_VERSION: [number, Buffer] = [K_RESOURCE_VERSION, Buffer.from('resourceVersion')];
const KEY_DELETION_TIMESTAMP: [number, Buffer] = [K_DELETION_TIMESTAMP, Buffer.from('deletionTimestamp')];

// Parser states.
const VALUE = 0; // a value must come
const FIRST_KEY = 1; // after "{": a key or "}"
const KEY = 2; // after "," in an object: a key
const COLON = 3;
const AFTER_VALUE = 4; // "," or the container's end
const FIRST_VALUE = 5; // after "[": a value or "]"

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

export interface ScanOptions {
  /**
   * Parse each item's metadata.labels (default true). `{ containing }`: parse them only when
   * their raw JSON contains that text (a backup without label selectors needs only the
   * exclude-from-backup labels, and most objects have none: parsing every label map cost ~3 ms
   * per 500-item page). false: never.
   */
  labels?: boolean | { containing: string };
}

/** Scans a list body; throws ListScanError when it is not JSON or not a list of objects. */
export function scanList(body: Buffer, opts: ScanOptions = {}): ScannedList {
  const labels = opts.labels ?? true;
  return scan(body, false, typeof labels === 'boolean' ? labels : Buffer.from(labels.containing)) as ScannedList;
}

/**
 * The list's continue token and resourceVersion from the bytes before "items", so the next
 * page can be requested before this one is scanned; undefined when the list's metadata does
 * not come before its items (the Kubernetes API server always writes it first). Only that
 * head is checked: scanList checks the rest.
 */
export function scanListHead(body: Buffer): Omit<ScannedList, 'items'> | undefined {
  return scan(body, true, false);
}

function scan(body: Buffer, headOnly: boolean, withLabels: boolean | Buffer): ScannedList | undefined {
  // One loop with plain locals (no closures over them: V8 keeps captured variables in a
  // context object, which made this loop twice as slow).
  const out: ScannedList = { items: [] };
  const n = body.length;
  const roles: number[] = [];
  const isObject: boolean[] = [];
  const starts: number[] = [];
  let depth = 0; // open containers
  let key = K_OTHER; // the key whose value comes next, in the innermost object
  let item: ScannedItem | undefined;
  let state = VALUE;
  let sawItems = false;
  let listMetaDone = false;
  let i = 0;

  while (i < n) {
    const c = body[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    let closing = false;
    if (state === VALUE || state === FIRST_VALUE) {
      if (state === FIRST_VALUE && c === 0x5d) {
        closing = true;
      } else {
        // The value's role, from its container and key.
        const parent = depth === 0 ? OTHER : roles[depth - 1];
        let role = OTHER;
        if (depth === 0) role = TOP;
        else if (parent === TOP) role = key === K_METADATA ? LIST_META : key === K_ITEMS ? ITEMS : OTHER;
        else if (parent === ITEMS) role = ITEM;
        else if (parent === ITEM) role = key === K_METADATA ? ITEM_META : OTHER;
        else if (parent === ITEM_META) role = key === K_LABELS ? LABELS : OTHER;
        if (role === TOP && c !== 0x7b) throw new ListScanError('a list response must be a JSON object', i);
        if (role === ITEMS && c !== 0x5b) throw new ListScanError('"items" must be an array', i);
        if (role === ITEM && c !== 0x7b) throw new ListScanError('each of "items" must be an object', i);
        if (c === 0x7b || c === 0x5b) {
          if (c === 0x5b && role !== ITEMS) role = OTHER; // metadata or labels that are not objects: nothing to pick
          roles[depth] = role;
          isObject[depth] = c === 0x7b;
          starts[depth] = i;
          depth++;
          if (role === ITEMS) {
            if (headOnly) return listMetaDone ? out : undefined;
            sawItems = true;
          }
          else if (role === ITEM) item = { start: i, end: i };
          key = K_OTHER;
          state = c === 0x7b ? FIRST_KEY : FIRST_VALUE;
          i++;
          continue;
        }
        if (c === 0x22) {
          const end = stringEnd(body, i);
          if (parent === ITEM && item !== undefined) {
            if (key === K_API_VERSION) item.apiVersion = apiVersions.decode(body, i, end);
            else if (key === K_KIND) item.kind = kinds.decode(body, i, end);
          } else if (parent === ITEM_META && item !== undefined) {
            if (key === K_NAME) item.name = decodeString(body, i, end);
            else if (key === K_NAMESPACE) item.namespace = namespaces.decode(body, i, end);
            else if (key === K_DELETION_TIMESTAMP) item.deletionTimestamp = decodeString(body, i, end);
          } else if (parent === LIST_META) {
            if (key === K_CONTINUE) out.continue = decodeString(body, i, end);
            else if (key === K_RESOURCE_VERSION) out.resourceVersion = decodeString(body, i, end);
          }
          i = end;
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          i = numberEnd(body, i);
        } else if (c === 0x74) {
          i = literal(body, i, 'true');
        } else if (c === 0x66) {
          i = literal(body, i, 'false');
        } else if (c === 0x6e) {
          i = literal(body, i, 'null');
        } else {
          throw new ListScanError(`unexpected ${describe(c)}`, i);
        }
        state = AFTER_VALUE;
        continue;
      }
    } else if (state === FIRST_KEY || state === KEY) {
      if (state === FIRST_KEY && c === 0x7d) {
        closing = true;
      } else {
        if (c !== 0x22) throw new ListScanError(`expected a property name, found ${describe(c)}`, i);
        const end = stringEnd(body, i);
        const role = roles[depth - 1];
        if (role === TOP || role === LIST_META || role === ITEM || role === ITEM_META) {
          // A key written with escapes ("\u0069tems") is the same key (RFC 8259 §8.3).
          key = lastHadEscape ? keyCodeOf(Buffer.from(JSON.parse(body.toString('utf8', i, end)) as string)) : keyCode(body, i + 1, end - 1);
        } else {
          key = K_OTHER;
        }
        i = end;
        state = COLON;
        continue;
      }
    } else if (state === COLON) {
      if (c !== 0x3a) throw new ListScanError(`expected ":", found ${describe(c)}`, i);
      i++;
      state = VALUE;
      continue;
    } else {
      // AFTER_VALUE
      if (depth === 0) throw new ListScanError(`unexpected ${describe(c)} after the end of the response`, i);
      const inObject = isObject[depth - 1];
      if (c === 0x2c) {
        i++;
        state = inObject ? KEY : VALUE;
        continue;
      }
      if ((inObject && c === 0x7d) || (!inObject && c === 0x5d)) closing = true;
      else throw new ListScanError(`expected "," or "${inObject ? '}' : ']'}", found ${describe(c)}`, i);
    }
    if (closing) {
      // The innermost container ends at i ("}" or "]", checked above).
      depth--;
      const role = roles[depth];
      if (role === ITEM && item !== undefined) {
        item.end = i + 1;
        out.items.push(item);
        item = undefined;
      } else if (role === LIST_META) {
        listMetaDone = true;
      } else if (role === LABELS && withLabels !== false && item !== undefined) {
        if (withLabels === true || contains(body, starts[depth], i + 1, withLabels)) {
          item.labels = JSON.parse(body.toString('utf8', starts[depth], i + 1)) as Record<string, string>;
        }
      }
      key = K_OTHER;
      state = AFTER_VALUE;
      i++;
    }
  }
  if (depth > 0 || state !== AFTER_VALUE) throw new ListScanError('unexpected end of the response', n);
  if (headOnly) return undefined;
  if (!sawItems) throw new ListScanError('the response has no "items" array', 0);
  return out;
}

/** Whether body[from, to) contains `needle` (a bounded Buffer.includes, without a subarray per item). */
function contains(body: Buffer, from: number, to: number, needle: Buffer): boolean {
  const first = needle[0];
  const last = to - needle.length;
  for (let i = from; i <= last; i++) {
    if (body[i] !== first) continue;
    let k = 1;
    while (k < needle.length && body[i + k] === needle[k]) k++;
    if (k === needle.length) return true;
  }
  return false;
}

/** Whether the string token stringEnd last read held an escape. */
let lastHadEscape = false;

/** Bytes that end the plain run of a string: the closing quote, an escape, a control character. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

/** Offset just past the string token starting at `at` (its opening quote); checks escapes. */
function stringEnd(body: Buffer, at: number): number {
  const n = body.length;
  lastHadEscape = false;
  let i = at + 1;
  for (;;) {
    while (i < n && STRING_STOP[body[i]] === 0) i++;
    if (i >= n) throw new ListScanError('unterminated string', at);
    const c = body[i];
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) throw new ListScanError('control character in a string', i);
    lastHadEscape = true;
    const e = body[i + 1];
    if (e === 0x75) {
      if (!(isHex(body[i + 2]) && isHex(body[i + 3]) && isHex(body[i + 4]) && isHex(body[i + 5]))) throw new ListScanError('invalid \\u escape', i);
      i += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      throw new ListScanError('invalid escape in a string', i);
    }
  }
}

/** The value of the string token [at, end) (quotes included) that stringEnd just read. */
function decodeString(body: Buffer, at: number, end: number): string {
  // Escapes are rare in names and kinds; only then is JSON.parse needed.
  if (!lastHadEscape) return body.toString('utf8', at + 1, end - 1);
  return JSON.parse(body.toString('utf8', at, end)) as string;
}

/**
 * The last string decoded for one field, handed out again while the same bytes come: a list's
 * items share their namespace (and apiVersion and kind, where items carry them), and a new
 * string per item was garbage the collector had to chase. Only ASCII strings without escapes
 * are kept, so equal bytes mean an equal string.
 */
class LastString {
  private last = '';

  decode(body: Buffer, at: number, end: number): string {
    const from = at + 1;
    const to = end - 1;
    const last = this.last;
    if (!lastHadEscape && to - from === last.length && last.length > 0) {
      let k = 0;
      while (k < last.length && body[from + k] === last.charCodeAt(k)) k++;
      if (k === last.length) return last;
    }
    const s = decodeString(body, at, end);
    this.last = !lastHadEscape && isAscii(body, from, to) ? s : '';
    return s;
  }
}

function isAscii(body: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (body[k] >= 0x80) return false;
  return true;
}

const apiVersions = new LastString();
const kinds = new LastString();
const namespaces = new LastString();

/** Offset just past the number starting at `at`; checks RFC 8259's number grammar. */
function numberEnd(body: Buffer, at: number): number {
  let i = at;
  if (body[i] === 0x2d) i++;
  if (body[i] === 0x30) i++;
  else if (isDigit(body[i])) while (isDigit(body[i])) i++;
  else throw new ListScanError('invalid number', at);
  if (body[i] === 0x2e) {
    i++;
    if (!isDigit(body[i])) throw new ListScanError('invalid number', at);
    while (isDigit(body[i])) i++;
  }
  if (body[i] === 0x65 || body[i] === 0x45) {
    i++;
    if (body[i] === 0x2b || body[i] === 0x2d) i++;
    if (!isDigit(body[i])) throw new ListScanError('invalid number', at);
    while (isDigit(body[i])) i++;
  }
  return i;
}

function literal(body: Buffer, at: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (body[at + k] !== word.charCodeAt(k)) throw new ListScanError(`invalid literal (expected ${word})`, at);
  return at + word.length;
}

function keyCodeOf(name: Buffer): number {
  return keyCode(name, 0, name.length);
}

/** The code of the key whose bytes are [from, to), or K_OTHER; by length first (hot: every key of an item and its metadata). */
function keyCode(body: Buffer, from: number, to: number): number {
  let entry: [number, Buffer];
  switch (to - from) {
    case 4:
      entry = body[from] === 0x6e ? KEY_NAME : KEY_KIND;
      break;
    case 5:
      entry = KEY_ITEMS;
      break;
    case 6:
      entry = KEY_LABELS;
      break;
    case 8:
      entry = body[from] === 0x6d ? KEY_METADATA : KEY_CONTINUE;
      break;
    case 9:
      entry = KEY_NAMESPACE;
      break;
    case 10:
      entry = KEY_API_VERSION;
      break;
    case 15:
      entry = KEY_RESOURCE_VERSION;
      break;
    case 17:
      entry = KEY_DELETION_TIMESTAMP;
      break;
    default:
      return K_OTHER;
  }
  const bytes = entry[1];
  for (let k = 0; k < bytes.length; k++) if (body[from + k] !== bytes[k]) return K_OTHER;
  return entry[0];
}

function describe(c: number | undefined): string {
  if (c === undefined) return 'end of the response';
  return c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
