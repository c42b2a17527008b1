// Which objects of one list a backup has archived, so that an object listed twice is archived
// once — without a set of every key when the server behaves.
//
// The Kubernetes API server answers lists in key order (namespace, then name: etcd's order,
// and the watch cache's), and while a list's keys keep strictly increasing none can repeat an
// earlier one: the last key alone decides. The keys seen so far are still kept, front-coded
// (each as what it shares with the one before and the rest: a few bytes a key for names like
// `app-000123`), so that a list that turns out not to be in order (an aggregated API server
// may answer in any order) switches to an exact set of everything it has archived: nothing is
// ever archived twice, and a backup of one big sorted list no longer holds ~160 bytes a key.
//
// Keys compare as UTF-16 code units; for the ASCII names Kubernetes allows that is the byte
// order etcd sorts by. A server sorting some other way costs the set, never correctness.

const INITIAL_BYTES = 4096;

export class ListKeys {
  private last: string | undefined;
  private coded: Buffer | undefined = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;
  private exact: Set<string> | undefined;

  /** Records an object; false when this list already had it. */
  add(namespace: string | undefined, name: string): boolean {
    const key = namespace ? `${namespace}/${name}` : name;
    if (this.exact) {
      if (this.exact.has(key)) return false;
      this.exact.add(key);
      return true;
    }
    if (this.last === undefined || key > this.last) {
      this.append(key);
      this.last = key;
      return true;
    }
    // Out of order: from here on every key is checked against all before it.
    this.exact = this.decode();
    this.coded = undefined;
    this.last = undefined;
    if (this.exact.has(key)) return false;
    this.exact.add(key);
    return true;
  }

  /** Whether the list has come out of key order (and keys are now kept in a set). */
  get unordered(): boolean {
    return this.exact !== undefined;
  }

  /** Bytes held for the keys while the list is in order. */
  get codedBytes(): number {
    return this.used;
  }

  private append(key: string): void {
    const last = this.last ?? '';
    let shared = 0;
    const max = Math.min(last.length, key.length);
    while (shared < max && last.charCodeAt(shared) === key.charCodeAt(shared)) shared++;
    // Two lengths (5 bytes each at most), then each code unit of the rest (3 at most).
    this.reserve(10 + 3 * (key.length - shared));
    this.varint(shared);
    this.varint(key.length - shared);
    for (let i = shared; i < key.length; i++) this.varint(key.charCodeAt(i));
  }

  private decode(): Set<string> {
    const keys = new Set<string>();
    const buf = this.coded!;
    let at = 0;
    let previous = '';
    const read = (): number => {
      let value = 0;
      let shift = 0;
      for (;;) {
        const b = buf[at++];
        value += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return value;
        shift += 7;
      }
    };
    while (at < this.used) {
      const shared = read();
      const rest = read();
      let tail = '';
      for (let i = 0; i < rest; i++) tail += String.fromCharCode(read());
      previous = previous.slice(0, shared) + tail;
      keys.add(previous);
    }
    return keys;
  }

  private reserve(bytes: number): void {
    const buf = this.coded!;
    if (this.used + bytes <= buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, this.used + bytes));
    buf.copy(grown, 0, 0, this.used);
    this.coded = grown;
  }

  private varint(value: number): void {
    const buf = this.coded!;
    let v = value;
    while (v >= 0x80) {
      buf[this.used++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.used++] = v;
  }
}
