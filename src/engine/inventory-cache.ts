// The inventory between ticks. cairn is the writer of its locations, so it keeps the listing it
// made and applies its own writes to it; the whole location is re-listed at start and every
// inventorySyncPeriod (like Velero's backup sync), which picks up anything written by others.
import type { BackupStore } from '../storage/index.ts';
import type { BackupManifest, ExpiryMark, Inventory } from '../storage/types.ts';
import { artifactList } from '../storage/manifest.ts';
import type { ActionResult } from './results.ts';

interface Entry {
  inventory: Inventory;
  listedAtMs: number;
  /** The store listed: a location whose spec changed in Git is reopened, and listed afresh. */
  store: BackupStore;
}

export class InventoryCache {
  private readonly entries = new Map<string, Entry>();
  private changes = 0;

  constructor(
    private readonly syncPeriodMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The location's inventory: cached, or listed afresh when missing or older than the sync period. */
  async get(location: string, store: BackupStore, opts: { forceRelist?: boolean } = {}): Promise<Inventory> {
    const hit = this.entries.get(location);
    if (hit && hit.store === store && !opts.forceRelist && this.clock() - hit.listedAtMs < this.syncPeriodMs) return hit.inventory;
    const inventory = await store.listInventory();
    this.entries.set(location, { inventory, listedAtMs: this.clock(), store });
    this.changes++;
    return inventory;
  }

  /** Changes with every listing and every own write: equal generations, equal inventories. */
  get generation(): number {
    return this.changes;
  }

  peek(location: string): Inventory | undefined {
    return this.entries.get(location)?.inventory;
  }

  invalidate(location?: string): void {
    this.changes++;
    if (location === undefined) this.entries.clear();
    else this.entries.delete(location);
  }

  // ------------------------------------------------------------ own writes

  /** Applies what a tick's actions wrote (their results carry it), so the next plan sees it unlisted. */
  apply(results: readonly ActionResult[]): void {
    for (const r of results) {
      const a = r.action;
      switch (a.type) {
        case 'backup':
          if (r.manifest) this.addBackup(a.location, r.manifest);
          break;
        case 'restore':
          if (r.restore) this.addRestore(a.location, a.restore);
          if (r.safety) this.addBackup(a.location, r.safety);
          break;
        case 'expire':
          if (r.outcome === 'Expiring' && r.expiry) this.setExpiry(a.location, a.backup, r.expiry);
          break;
        case 'unexpire':
          if (r.outcome === 'Unexpired') this.setExpiry(a.location, a.backup, undefined);
          break;
        case 'delete':
        case 'cleanupIncomplete':
          if (r.outcome === 'Deleted' || r.outcome === 'Cleaned') this.removeBackup(a.location, a.backup);
          break;
      }
    }
  }

  addBackup(location: string, manifest: BackupManifest): void {
    const inv = this.peek(location);
    if (!inv) return;
    const files = [...artifactList(manifest).map((a) => a.file), 'manifest.json'];
    this.changes++;
    const row = { name: manifest.name, manifest, incomplete: false, lastModified: manifest.completionTimestamp, files };
    const i = inv.backups.findIndex((b) => b.name === manifest.name);
    if (i >= 0) inv.backups[i] = row;
    else inv.backups.push(row);
  }

  setExpiry(location: string, backup: string, mark: ExpiryMark | undefined): void {
    const row = this.peek(location)?.backups.find((b) => b.name === backup);
    if (!row) return;
    this.changes++;
    if (mark) row.expiry = mark;
    else delete row.expiry;
  }

  removeBackup(location: string, backup: string): void {
    const inv = this.peek(location);
    if (!inv) return;
    this.changes++;
    inv.backups = inv.backups.filter((b) => b.name !== backup);
  }

  addRestore(location: string, restore: string): void {
    const inv = this.peek(location);
    if (!inv || inv.restores.includes(restore)) return;
    this.changes++;
    inv.restores.push(restore);
  }
}
