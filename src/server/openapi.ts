// The read API's contract: an OpenAPI 3.0 document, written once by hand and served at
// /api/v1/openapi.json. The tests validate every answer of the API against it (ajv), so the
// document and the code cannot drift apart unnoticed.
const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: object) => ({ type: 'array', items });
const obj = (required: string[], properties: Record<string, object>, additionalProperties: boolean | object = false) => ({ type: 'object', required, properties, additionalProperties });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  '401': json(ref('Error'), 'a read token is configured and the request did not present it'),
  '503': json(ref('Error'), 'no tick has loaded the policy repository yet'),
};
const nameParam = (what: string) => ({ name: 'name', in: 'path', required: true, description: `the ${what}'s name`, schema: str });
const locationParam = { name: 'location', in: 'query', required: false, description: 'the BackupLocation holding it, when several hold one of that name', schema: str };

const BACKUP_REQUIRED = ['name', 'location', 'phase', 'encrypted'];
const backupProps = {
  name: str,
  location: str,
  type: { enum: ['resources', 'etcd'] },
  policy: str,
  cluster: str,
  phase: { enum: ['Completed', 'PartiallyFailed', 'Failed', 'Incomplete', 'Unreadable'], description: 'Incomplete: an upload without a manifest (never restorable, cleaned later)' },
  scheduledTime: time,
  trigger: str,
  startTime: time,
  completionTime: time,
  items: int,
  bytes: int,
  encrypted: { type: 'boolean' },
  preRestoreFor: { type: 'string', description: 'the restore this safety backup was taken for' },
  expiring: obj(['deleteAfter', 'reason'], { deleteAfter: time, reason: str }),
  message: str,
};
const RESTORE_REQUIRED = ['name', 'phase', 'inRepository', 'dryRun'];
const restoreProps = {
  name: str,
  phase: { enum: ['New', 'InProgress', 'Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'] },
  inRepository: { type: 'boolean', description: 'false once the RestoreRequest file was removed (its record stays)' },
  backupName: str,
  location: str,
  dryRun: { type: 'boolean' },
  startTime: time,
  completionTime: time,
  preRestoreBackup: str,
  counts: ref('Counts'),
  specChanged: { type: 'boolean' },
  message: str,
  resourceModifier: str,
};

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'cairn read API',
    version: 'v1',
    description:
      "Read-only view of cairn's engine: policies, backups, restores, the pending plan and recent ticks, served from the engine's current state (the last tick's view of Git and storage). When CAIRN_READ_TOKEN is set every path needs `Authorization: Bearer <token>`.",
  },
  servers: [{ url: '/api/v1' }],
  components: {
    securitySchemes: { readToken: { type: 'http', scheme: 'bearer', description: 'the value of CAIRN_READ_TOKEN, when set' } },
    schemas: {
      Error: obj(['error'], { error: obj(['code', 'message'], { code: str, message: str }) }),
      Condition: obj(['type', 'status', 'reason', 'message', 'lastTransitionTime'], { type: { enum: ['Ready', 'Reconciling', 'Stalled'] }, status: { enum: ['True', 'False'] }, reason: str, message: str, lastTransitionTime: time }),
      HistoryEntry: obj(['name', 'phase'], {
        name: str,
        scheduledTime: time,
        trigger: str,
        phase: str,
        startTime: time,
        completionTime: time,
        items: int,
        bytes: int,
        message: str,
        deletePhase: { enum: ['Expiring', 'Deleted'] },
        deleteAfter: time,
        deleteTime: time,
      }),
      Policy: obj(['name', 'state', 'type', 'cluster', 'suspended', 'conditions', 'lastBackups'], {
        name: str,
        state: { enum: ['Active', 'Frozen', 'Removed'], description: 'Frozen: its file is invalid, its backups are kept as they are; Removed: its file is gone' },
        type: { enum: ['resources', 'etcd'] },
        cluster: { type: 'string', description: 'a Cluster name, or "default" (the engine\'s own kubeconfig)' },
        location: str,
        schedule: str,
        trigger: str,
        suspended: { type: 'boolean' },
        keep: int,
        ttl: str,
        nextScheduledTime: time,
        lastAppliedRevision: str,
        conditions: arrayOf(ref('Condition')),
        lastBackups: { ...arrayOf(ref('HistoryEntry')), description: 'newest first; deleted backups are remembered after the live ones' },
      }),
      PolicyList: obj(['revision', 'policies'], { revision: str, policies: arrayOf(ref('Policy')) }),
      Backup: obj(BACKUP_REQUIRED, backupProps),
      BackupList: obj(['total', 'items'], { total: int, items: arrayOf(ref('Backup')), continue: { type: 'string', description: 'pass as ?continue= for the next page' } }),
      BackupDetail: obj(BACKUP_REQUIRED, {
          ...backupProps,
          files: arrayOf(str),
          gitRevision: { type: 'string', nullable: true },
          clusterInfo: obj(['name', 'serverVersion'], { name: str, server: str, serverVersion: str }),
          engineVersion: str,
          formatVersion: int,
          resources: arrayOf(str),
          itemCounts: { type: 'object', additionalProperties: int },
          artifacts: arrayOf(obj(['file', 'sha256', 'size'], { file: str, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, size: int })),
          encryption: { type: 'object', nullable: true, required: ['algorithm', 'kdf', 'keyId'], properties: { algorithm: str, kdf: str, keyId: str }, additionalProperties: false },
          etcd: { type: 'object', description: 'etcd snapshot metadata (type: etcd policies): version, cluster and member id, revision, size' },
          warnings: arrayOf(str),
          errors: arrayOf(str),
      }),
      BackupLog: obj(['name', 'location', 'entries'], { name: str, location: str, entries: arrayOf({ type: 'object' }) }),
      Counts: obj(['total', 'created', 'updated', 'unchanged', 'skipped', 'failed'], { total: int, created: int, updated: int, unchanged: int, skipped: int, failed: int }),
      RestoreSummary: obj(RESTORE_REQUIRED, restoreProps),
      RestoreList: obj(['items'], { items: arrayOf(ref('RestoreSummary')) }),
      FieldChange: obj(['path', 'op'], { path: str, op: { enum: ['add', 'remove', 'replace'] }, old: { description: 'scalar values only; "<redacted>" for Secrets' }, new: { description: 'scalar values only; "<redacted>" for Secrets' } }),
      RestoreItem: obj(['groupResource', 'name', 'action'], {
        groupResource: str,
        namespace: str,
        name: str,
        backupNamespace: str,
        action: { enum: ['created', 'updated', 'unchanged', 'skipped', 'failed', 'create', 'update', 'skip'] },
        differs: { type: 'boolean' },
        diff: arrayOf(ref('FieldChange')),
        modifiers: { ...arrayOf(int), description: 'indexes of the modifier rules that changed the item' },
        reason: str,
        error: str,
      }),
      RestoreDetail: obj([...RESTORE_REQUIRED, 'conditions', 'items', 'warnings', 'errors'], { ...restoreProps, conditions: arrayOf(ref('Condition')), items: arrayOf(ref('RestoreItem')), warnings: arrayOf(str), errors: arrayOf(str) }),
      Subject: obj([], { policy: str, location: str, backup: str, restore: str, file: str }),
      PlanAction: {
        type: 'object',
        required: ['type', 'reason'],
        properties: { type: { enum: ['backup', 'restore', 'unexpire', 'expire', 'delete', 'cleanupIncomplete'] }, reason: str, policy: str, location: str, backupName: str, backup: str, restore: str, scheduledTime: time, trigger: str, deleteAfter: time, lastModified: time },
      },
      Plan: obj(['revision', 'now', 'summary', 'actions', 'blocked', 'notes'], {
        revision: str,
        now: time,
        summary: { type: 'object', required: ['total'], additionalProperties: int },
        actions: arrayOf(ref('PlanAction')),
        blocked: arrayOf(obj(['code', 'subject', 'message'], { code: str, subject: ref('Subject'), message: str })),
        notes: arrayOf(obj(['code', 'subject', 'message'], { code: str, subject: ref('Subject'), message: str })),
      }),
      Tick: obj(['at', 'actions', 'blocked', 'invalidFiles', 'unobserved'], {
        at: time,
        revision: str,
        durationMs: int,
        commit: str,
        commitUrl: { type: 'string', description: 'the commit on GitHub or GitLab, when the remote is there' },
        actions: arrayOf(obj(['type', 'object', 'outcome', 'trailer'], { type: str, object: str, outcome: str, message: str, trailer: { type: 'string', description: 'the Cairn-Action trailer written for it' } })),
        blocked: arrayOf(str),
        invalidFiles: arrayOf(str),
        unobserved: { type: 'object', additionalProperties: str },
        error: str,
      }),
      Commit: obj(['commit', 'date', 'subject', 'actions'], { commit: str, date: str, subject: str, revision: str, actions: { ...arrayOf(str), description: 'the Cairn-Action trailers' }, url: str }),
      Events: obj(['ticks', 'commits'], { ticks: { ...arrayOf(ref('Tick')), description: 'newest first, at most 50' }, commits: { ...arrayOf(ref('Commit')), description: "cairn's last status commits, newest first" } }),
    },
  },
  security: [{ readToken: [] }],
  paths: {
    '/policies': { get: { summary: 'every policy: type, cluster, location, schedule, next due time, last backups, conditions', responses: { '200': json(ref('PolicyList'), 'the policies'), ...errors } } },
    '/policies/{name}': { get: { summary: 'one policy', parameters: [nameParam('policy')], responses: { '200': json(ref('Policy'), 'the policy'), '404': json(ref('Error'), 'no such policy'), ...errors } } },
    '/backups': {
      get: {
        summary: 'backups in every observed location, newest first, filtered and paged',
        parameters: [
          ...['policy', 'cluster', 'location', 'phase'].map((n) => ({ name: n, in: 'query', required: false, schema: str, description: `only backups whose ${n} is this` })),
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'continue', in: 'query', required: false, schema: str, description: 'the `continue` of the previous page' },
        ],
        responses: { '200': json(ref('BackupList'), 'a page of backups'), '400': json(ref('Error'), 'a bad limit or continue'), ...errors },
      },
    },
    '/backups/{name}': { get: { summary: 'a backup: metadata, item counts per resource, checksums, encryption, etcd metadata', parameters: [nameParam('backup'), locationParam], responses: { '200': json(ref('BackupDetail'), 'the backup'), '404': json(ref('Error'), 'no such backup'), ...errors } } },
    '/backups/{name}/log': {
      get: { summary: "a backup's log (read from its location)", parameters: [nameParam('backup'), locationParam], responses: { '200': json(ref('BackupLog'), 'the log entries'), '404': json(ref('Error'), 'no such backup'), '502': json(ref('Error'), 'the location could not be read'), ...errors } },
    },
    '/restores': { get: { summary: 'every restore: phase and counts', responses: { '200': json(ref('RestoreList'), 'the restores'), ...errors } } },
    '/restores/{name}': { get: { summary: 'a restore: phase, counts, per-item results and diffs (Secret values redacted)', parameters: [nameParam('restore')], responses: { '200': json(ref('RestoreDetail'), 'the restore'), '404': json(ref('Error'), 'no such restore'), ...errors } } },
    '/plan': { get: { summary: 'what the next tick would do now, with reasons', responses: { '200': json(ref('Plan'), 'the plan'), ...errors } } },
    '/events': { get: { summary: 'recent ticks (commit, actions, errors) and the last status commits', responses: { '200': json(ref('Events'), 'the events'), '401': errors['401'] } } },
    '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.0', content: { 'application/json': { schema: { type: 'object' } } } }, '401': errors['401'] } } },
  },
} as const;
