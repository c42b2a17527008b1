// kubectl asks for server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
// The simulator answers with the generic table every resource without printer columns gets:
// Name and Age, and the object's metadata per row.

type Obj = Record<string, any>;

export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(',')[0];
  return /(^|;)\s*as=Table\b/.test(first) && /g=meta\.k8s\.io/.test(first);
}

const COLUMNS = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

function row(obj: Obj): Obj {
  return {
    cells: [obj.metadata.name, obj.metadata.creationTimestamp],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
  };
}

/** A Table for a list response or a single object. */
export function toTable(body: Obj, isList: boolean): Obj {
  const items: Obj[] = isList ? body.items : [body];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: isList ? body.metadata : { resourceVersion: body.metadata.resourceVersion },
    columnDefinitions: COLUMNS,
    rows: items.map(row),
  };
}
