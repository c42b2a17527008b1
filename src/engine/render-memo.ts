// Rendering YAML is what a steady tick would mostly spend its time on (1,000 policies: ~1.4 s of
// yaml.stringify per tick, for files that did not change). A status document is plain JSON data,
// so its JSON text is a cheap and exact key: an unchanged document reuses its rendered file.
import { renderStatus, type StatusDoc } from './status.ts';

export class StatusRenderMemo {
  private readonly memo = new Map<string, { key: string; text: string }>();

  /** The file contents of `doc` at `path`: rendered again only when the document changed. */
  readonly render = (path: string, doc: StatusDoc<unknown>): string => {
    const key = JSON.stringify(doc);
    const hit = this.memo.get(path);
    if (hit?.key === key) return hit.text;
    const text = renderStatus(doc);
    this.memo.set(path, { key, text });
    return text;
  };

  /** Drops what is not rendered any more (removed status files). */
  forget(path: string): void {
    this.memo.delete(path);
  }
}
