// Finds the served resource for a group-resource, discovering again when a name is missing
// after CRDs were restored (their resources appear in discovery only once Established).
import type { ClusterClient, ResourceRef } from '../cluster/client.ts';
import type { ApiResource, KubeObject } from '../cluster/types.ts';

export class ResourceResolver {
  private byName = new Map<string, ApiResource>();
  private loaded: Promise<void> | undefined;
  private stale = false;

  constructor(private readonly client: ClusterClient) {}

  private load(): Promise<void> {
    this.loaded ??= this.client.discover().then((list) => {
      this.byName = new Map(list.map((r) => [r.groupResource, r]));
    });
    return this.loaded;
  }

  /** New resources may be served (a CRD became Established): the next miss discovers again. */
  invalidate(): void {
    this.stale = true;
  }

  async find(groupResource: string): Promise<ApiResource | undefined> {
    await this.load();
    let res = this.byName.get(groupResource);
    if (!res && this.stale) {
      this.stale = false;
      this.loaded = undefined;
      await this.load();
      res = this.byName.get(groupResource);
    }
    return res;
  }

  /**
   * The reference to write `obj` through: the discovered resource, at the version the object
   * was backed up in when its group still serves it under that name (the body's apiVersion and
   * the URL must agree), else the preferred one.
   */
  static refFor(res: ApiResource, obj: KubeObject): ResourceRef {
    const slash = obj.apiVersion.lastIndexOf('/');
    const group = slash >= 0 ? obj.apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? obj.apiVersion.slice(slash + 1) : obj.apiVersion;
    return group === res.group && version ? { ...res, version } : res;
  }
}
