// Invalid policy repositories, one mistake (or one family of mistakes) each, with the exact
// errors cairn must report. `solo` cases interact with other objects (names, defaults,
// references) and are not merged into the combined CLI run.
import { API, cluster, location, modifiers, policy, restore } from './fixtures.ts';

export interface InvalidCase {
  name: string;
  files: Record<string, string>;
  /** Text-format error lines, in the order cairn sorts them. */
  expect: string[];
  solo?: boolean;
}

const rule = (body: string) => `  version: v1\n  resourceModifierRules:\n${body}`;

export const CASES: InvalidCase[] = [
  // ------------------------------------------------------------------ BackupPolicy
  {
    name: 'cron with 4 fields',
    files: { 'policies/cron4.yaml': policy('cron4', '  schedule: "0 */6 * *"\n') },
    expect: ["policies/cron4.yaml:6:13: error: spec.schedule: cron expression \"0 */6 * *\" has 4 fields; cairn needs exactly 5 (minute hour day-of-month month day-of-week)"],
  },
  {
    name: 'cron field out of range',
    files: { 'policies/cron61.yaml': policy('cron61', '  schedule: "61 * * * *"\n') },
    expect: ["policies/cron61.yaml:6:13: error: spec.schedule: invalid cron expression \"61 * * * *\": Constraint error, got value 61 expected range 0-59"],
  },
  {
    name: 'unknown schedule macro',
    files: { 'policies/macro.yaml': policy('macro', '  schedule: "@fortnightly"\n') },
    expect: ["policies/macro.yaml:6:13: error: spec.schedule: unknown schedule macro \"@fortnightly\": use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or \"@every <duration>\""],
  },
  {
    name: '@every with a day unit',
    files: { 'policies/every-days.yaml': policy('every-days', '  schedule: "@every 2d"\n') },
    expect: ["policies/every-days.yaml:6:13: error: spec.schedule: invalid \"@every\" schedule: invalid duration \"2d\": use a number with a unit (ns, us, ms, s, m, h), e.g. \"720h\" or \"1h30m\""],
  },
  {
    name: '@every zero',
    files: { 'policies/every-zero.yaml': policy('every-zero', '  schedule: "@every 0s"\n') },
    expect: ["policies/every-zero.yaml:6:13: error: spec.schedule: \"@every\" needs a positive duration, got \"0s\""],
  },
  {
    name: 'ttl in days',
    files: { 'policies/ttl-days.yaml': policy('ttl-days', '  schedule: "@daily"\n  ttl: 30d\n') },
    expect: ["policies/ttl-days.yaml:7:8: error: spec.ttl: invalid duration \"30d\": use a number with a unit (ns, us, ms, s, m, h), e.g. \"720h\" or \"1h30m\""],
  },
  {
    name: 'gracePeriod not a duration',
    files: { 'policies/grace.yaml': policy('grace', '  gracePeriod: soon\n') },
    expect: ["policies/grace.yaml:6:16: error: spec.gracePeriod: invalid duration \"soon\": use a number with a unit (ns, us, ms, s, m, h), e.g. \"720h\" or \"1h30m\""],
  },
  {
    name: 'keep zero',
    files: { 'policies/keep-zero.yaml': policy('keep-zero', '  keep: 0\n') },
    expect: ["policies/keep-zero.yaml:6:9: error: spec.keep: must be at least 1 (got 0)"],
  },
  {
    name: 'keep as a string',
    files: { 'policies/keep-string.yaml': policy('keep-string', '  keep: "20"\n') },
    expect: ["policies/keep-string.yaml:6:9: error: spec.keep: must be an integer, not the string \"20\""],
  },
  {
    name: 'misspelt field',
    files: { 'policies/typo.yaml': policy('typo', '  scheduel: "@daily"\n') },
    expect: ["policies/typo.yaml:6:3: error: spec.scheduel: unknown field (did you mean \"schedule\"?)"],
  },
  {
    name: 'unknown deletionPolicy',
    files: { 'policies/delpol.yaml': policy('delpol', '  deletionPolicy: Keep\n') },
    expect: ["policies/delpol.yaml:6:19: error: spec.deletionPolicy: must be one of Retain, Delete (got the string \"Keep\")"],
  },
  {
    name: 'name not a DNS label',
    files: { 'policies/bad-name.yaml': policy('KCM_1', '  keep: 1\n') },
    expect: ["policies/bad-name.yaml:4:9: error: metadata.name: \"KCM_1\" is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit"],
  },
  {
    name: 'name longer than 63 characters',
    files: { 'policies/long-name.yaml': policy('a'.repeat(64), '  keep: 1\n') },
    expect: ["policies/long-name.yaml:4:9: error: metadata.name: must be at most 63 characters long (got 64)"],
  },
  {
    name: 'labelSelector with orLabelSelectors',
    files: {
      'policies/both-selectors.yaml': policy('both-selectors', '  labelSelector:\n    matchLabels: {app: web}\n  orLabelSelectors:\n    - matchLabels: {app: db}\n'),
    },
    expect: ["policies/both-selectors.yaml:8:3: error: spec.orLabelSelectors: labelSelector and orLabelSelectors cannot both be set: keep one (put the labelSelector into the orLabelSelectors list if you need both)"],
  },
  {
    name: 'empty glob',
    files: { 'policies/empty-glob.yaml': policy('empty-glob', '  includedNamespaces: ["team-*", ""]\n') },
    expect: ["policies/empty-glob.yaml:6:34: error: spec.includedNamespaces[1]: empty pattern: remove it, or use \"*\" to match everything"],
  },
  // Lists Velero refuses (pkg/util/collections/includes_excludes.go ValidateIncludesExcludes,
  // ValidateNamespaceIncludesExcludes), issue 15 item 4.
  {
    name: 'Velero: excludes list cannot contain "*"',
    files: { 'policies/exclude-star.yaml': policy('exclude-star', '  excludedResources: ["*"]\n') },
    expect: ['policies/exclude-star.yaml:6:23: error: spec.excludedResources[0]: "*" cannot be excluded: it would leave nothing to back up (list what to exclude instead)'],
  },
  {
    name: 'Velero: includes list must either contain "*" only',
    files: { 'policies/star-and-more.yaml': policy('star-and-more', '  includedNamespaces: ["*", "team-a"]\n  includedResources: [configmaps, "*"]\n') },
    expect: [
      'policies/star-and-more.yaml:6:24: error: spec.includedNamespaces[0]: "*" includes every namespace: it must be the only entry (remove "*" or the other entries)',
      'policies/star-and-more.yaml:7:35: error: spec.includedResources[1]: "*" includes every resource: it must be the only entry (remove "*" or the other entries)',
    ],
  },
  {
    name: 'Velero: excludes list cannot contain an item in the includes list',
    files: { 'policies/both-lists.yaml': policy('both-lists', '  includedResources: [secrets, configmaps]\n  excludedResources: [configmaps]\n') },
    expect: ['policies/both-lists.yaml:7:23: error: spec.excludedResources[0]: "configmaps" is both included and excluded: keep it in one list'],
  },
  {
    name: 'Velero: a namespace pattern with braces (wildcard.ValidateNamespaceName)',
    files: { 'policies/ns-braces.yaml': policy('ns-braces', '  includedNamespaces: ["team-{a,b}"]\n') },
    expect: ['policies/ns-braces.yaml:6:24: error: spec.includedNamespaces[0]: invalid namespace pattern "team-{a,b}": |, (, ), !, {, } and , are not supported (Velero refuses them; list the namespaces instead)'],
  },
  {
    name: 'Velero: a namespace pattern that is no namespace name',
    files: { 'policies/ns-upper.yaml': policy('ns-upper', '  excludedNamespaces: ["Team_*"]\n') },
    expect: ['policies/ns-upper.yaml:6:24: error: spec.excludedNamespaces[0]: invalid namespace "Team_*": a namespace is a DNS-1123 label (lowercase letters, digits and \'-\', at most 63, starting and ending alphanumeric), with *, ? and [...] as wildcards'],
  },
  {
    name: 'unbalanced [ in a glob',
    files: { 'policies/bracket.yaml': policy('bracket', '  excludedResources:\n    - "secrets"\n    - "[ab.apps"\n') },
    expect: ["policies/bracket.yaml:8:7: error: spec.excludedResources[1]: bad glob pattern \"[ab.apps\": unclosed '[' at character 1"],
  },
  {
    name: 'unknown location',
    files: { 'policies/no-such-loc.yaml': policy('no-such-loc', '  location: nowhere\n') },
    expect: ["policies/no-such-loc.yaml:6:13: error: spec.location: unknown location \"nowhere\": no BackupLocation has this name (known: base)"],
    solo: true,
  },
  {
    name: 'unknown cluster',
    files: { 'policies/no-such-cluster.yaml': policy('no-such-cluster', '  cluster: staging\n') },
    expect: ["policies/no-such-cluster.yaml:6:12: error: spec.cluster: unknown cluster \"staging\": no Cluster has this name (there is no Cluster yet)"],
    solo: true,
  },
  {
    name: 'bad trigger',
    files: { 'policies/trigger.yaml': policy('trigger', '  trigger: "Run 1"\n') },
    expect: ["policies/trigger.yaml:6:12: error: spec.trigger: \"Run 1\" is not a valid trigger: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (it becomes part of the backup name)"],
  },
  {
    name: 'In without values',
    files: {
      'policies/in-novalues.yaml': policy('in-novalues', '  labelSelector:\n    matchExpressions:\n      - {key: tier, operator: In}\n'),
    },
    expect: ["policies/in-novalues.yaml:8:9: error: spec.labelSelector.matchExpressions[0].values: operator In needs at least one value"],
  },
  {
    name: 'invalid label key',
    files: { 'policies/label-key.yaml': policy('label-key', '  orLabelSelectors:\n    - matchLabels:\n        "Bad Key": x\n') },
    expect: ["policies/label-key.yaml:8:9: error: spec.orLabelSelectors[0].matchLabels[\"Bad Key\"]: label key \"Bad Key\": the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"],
  },
  {
    name: 'missing metadata.name',
    files: { 'policies/no-name.yaml': `${API}\nkind: BackupPolicy\nmetadata:\n  labels: {team: a}\nspec:\n  keep: 1\n` },
    expect: ["policies/no-name.yaml:3:1: error: metadata.name: missing required field"],
  },
  {
    name: 'empty orLabelSelectors',
    files: { 'policies/empty-or.yaml': policy('empty-or', '  orLabelSelectors: []\n') },
    expect: ["policies/empty-or.yaml:6:21: error: spec.orLabelSelectors: must not be an empty list"],
  },
  // ------------------------------------------------------------------ BackupLocation
  {
    name: 'inline secret access key',
    files: {
      'locations/inline-secret.yaml': location(
        'inline-secret',
        '  provider: s3\n  s3:\n    endpoint: https://s3.example.com\n    bucket: backups\n    credentials:\n      accessKeyIdFromEnv: S3_ACCESS_KEY\n      secretAccessKey: wJalrXUtnFEMI\n',
      ),
    },
    expect: [
      "locations/inline-secret.yaml:10:5: error: spec.s3.credentials.secretAccessKeyFromEnv: set accessKeyIdFromEnv and secretAccessKeyFromEnv together",
      "locations/inline-secret.yaml:12:7: error: spec.s3.credentials.secretAccessKey: inline credential: secrets must not be written into Git; remove \"secretAccessKey\" and use spec.s3.credentials.secretAccessKeyFromEnv",
    ],
  },
  {
    name: 'inline access key next to s3 settings',
    files: {
      'locations/inline-access.yaml': location('inline-access', '  provider: s3\n  s3:\n    endpoint: https://s3.example.com\n    bucket: backups\n    accessKey: AKIAEXAMPLE\n'),
    },
    expect: ["locations/inline-access.yaml:10:5: error: spec.s3.accessKey: inline credential: secrets must not be written into Git; remove \"accessKey\" and use spec.s3.credentials.accessKeyIdFromEnv"],
  },
  {
    name: 'inline passphrase',
    files: {
      'locations/inline-pass.yaml': location('inline-pass', '  provider: filesystem\n  filesystem: {path: vault2}\n  encryption:\n    passphrase: hunter2\n'),
    },
    expect: [
      "locations/inline-pass.yaml:8:3: error: spec.encryption: set exactly one of passphraseFromEnv or keyFile",
      "locations/inline-pass.yaml:9:5: error: spec.encryption.passphrase: inline credential: secrets must not be written into Git; remove \"passphrase\" and use spec.encryption.passphraseFromEnv (or spec.encryption.keyFile)",
    ],
  },
  {
    name: 's3 provider without s3 settings',
    files: { 'locations/no-s3.yaml': location('no-s3', '  provider: s3\n') },
    expect: ["locations/no-s3.yaml:5:1: error: spec.s3: provider is s3: set spec.s3"],
  },
  {
    name: 'filesystem provider with s3 settings',
    files: {
      'locations/two-blocks.yaml': location('two-blocks', '  provider: filesystem\n  filesystem: {path: x}\n  s3: {endpoint: "https://s3.example.com", bucket: backups}\n'),
    },
    expect: ["locations/two-blocks.yaml:8:3: error: spec.s3: provider is filesystem: remove spec.s3 (or change provider)"],
  },
  {
    name: 'endpoint without scheme',
    files: { 'locations/endpoint.yaml': location('endpoint', '  provider: s3\n  s3: {endpoint: "minio:9000", bucket: backups}\n') },
    expect: ["locations/endpoint.yaml:7:18: error: spec.s3.endpoint: \"minio:9000\" is not an http:// or https:// URL"],
  },
  {
    name: 'bucket name with capitals',
    files: { 'locations/bucket.yaml': location('bucket', '  provider: s3\n  s3:\n    endpoint: https://s3.example.com\n    bucket: My_Bucket\n') },
    expect: ["locations/bucket.yaml:9:13: error: spec.s3.bucket: \"My_Bucket\" is not an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"],
  },
  {
    name: 'encryption with both sources',
    files: {
      'locations/enc-both.yaml': location('enc-both', '  provider: filesystem\n  filesystem: {path: x}\n  encryption:\n    passphraseFromEnv: PASS\n    keyFile: /etc/cairn/key\n'),
    },
    expect: ["locations/enc-both.yaml:8:3: error: spec.encryption: set exactly one of passphraseFromEnv or keyFile"],
  },
  {
    name: 'env var name starting with a digit',
    files: { 'locations/env-name.yaml': location('env-name', '  provider: filesystem\n  filesystem: {path: x}\n  encryption: {passphraseFromEnv: 1PASS}\n') },
    expect: ["locations/env-name.yaml:8:35: error: spec.encryption.passphraseFromEnv: \"1PASS\" is not an environment variable name: use letters, digits and '_', not starting with a digit"],
  },
  {
    name: 'only one half of the S3 key pair',
    files: {
      'locations/half-creds.yaml': location(
        'half-creds',
        '  provider: s3\n  s3:\n    endpoint: https://s3.example.com\n    bucket: backups\n    credentials:\n      accessKeyIdFromEnv: S3_ACCESS_KEY\n',
      ),
    },
    expect: ["locations/half-creds.yaml:10:5: error: spec.s3.credentials.secretAccessKeyFromEnv: set accessKeyIdFromEnv and secretAccessKeyFromEnv together"],
  },
  // ------------------------------------------------------------------ Cluster
  {
    name: 'kubeconfig content pasted inline',
    files: { 'clusters/inline-kubeconfig.yaml': cluster('inline-kubeconfig', '  kubeconfig: |\n    apiVersion: v1\n    clusters: []\n') },
    expect: ["clusters/inline-kubeconfig.yaml:6:15: error: spec.kubeconfig: inline credential: this looks like the content of a kubeconfig, which holds the cluster's credentials; give the path of the file instead, or use spec.kubeconfigFromEnv"],
  },
  {
    name: 'bearer token in a cluster',
    files: { 'clusters/token.yaml': cluster('token', '  kubeconfigFromEnv: KUBECONFIG\n  token: eyJhbGciOi\n') },
    expect: ["clusters/token.yaml:7:3: error: spec.token: inline credential: secrets must not be written into Git; remove \"token\" and use spec.kubeconfigFromEnv or spec.kubeconfig (the path of a kubeconfig file)"],
  },
  {
    name: 'two kubeconfig sources',
    files: { 'clusters/two-sources.yaml': cluster('two-sources', '  kubeconfig: /etc/kube/config\n  inCluster: true\n') },
    expect: ["clusters/two-sources.yaml:7:14: error: spec.inCluster: set only one of kubeconfig, kubeconfigFromEnv, inCluster (found kubeconfig and inCluster)"],
  },
  // ------------------------------------------------------------------ RestoreRequest
  {
    name: 'backupName and policy',
    files: { 'restores/both-sources.yaml': restore('both-sources', '  backupName: kcm-20261121060000\n  policy: kcm\n') },
    expect: [
      "restores/both-sources.yaml:7:11: error: spec.policy: set either backupName or policy, not both",
      "restores/both-sources.yaml:7:11: error: spec.policy: unknown policy \"kcm\": no BackupPolicy has this name (there is no BackupPolicy yet)",
    ],
    solo: true,
  },
  {
    name: 'neither backupName nor policy',
    files: { 'restores/no-source.yaml': restore('no-source', '  dryRun: true\n') },
    expect: ["restores/no-source.yaml:5:1: error: spec: set backupName (a backup) or policy (its latest Completed backup)"],
  },
  {
    name: 'at without policy',
    files: { 'restores/at-no-policy.yaml': restore('at-no-policy', '  backupName: kcm-20261121060000\n  at: "2026-11-21T06:00:00Z"\n') },
    expect: ["restores/at-no-policy.yaml:7:7: error: spec.at: \"at\" picks a backup of a policy: set spec.policy, or drop \"at\" and name the backup"],
  },
  {
    name: 'at not RFC 3339',
    files: {
      'policies/at-src.yaml': policy('at-src', '  keep: 1\n'),
      'restores/at-format.yaml': restore('at-format', '  policy: at-src\n  at: "21.11.2026 06:00"\n'),
    },
    expect: ["restores/at-format.yaml:7:7: error: spec.at: \"21.11.2026 06:00\" is not an RFC 3339 date-time, e.g. \"2026-11-21T06:00:00Z\""],
  },
  {
    name: 'unknown resource modifiers',
    files: { 'restores/no-mods.yaml': restore('no-mods', '  backupName: kcm-20261121060000\n  resourceModifier: patch-nothing\n') },
    expect: ["restores/no-mods.yaml:7:21: error: spec.resourceModifier: unknown resource modifiers \"patch-nothing\": no ResourceModifiers has this name (there is no ResourceModifiers yet)"],
    solo: true,
  },
  {
    name: 'namespaceMapping to an invalid namespace',
    files: { 'restores/ns-map.yaml': restore('ns-map', '  backupName: kcm-20261121060000\n  namespaceMapping:\n    team-a: Team_A\n') },
    expect: ["restores/ns-map.yaml:8:13: error: spec.namespaceMapping.team-a: \"Team_A\" is not a namespace name (a DNS-1123 label)"],
  },
  {
    name: 'unknown existingResourcePolicy',
    files: { 'restores/erp.yaml': restore('erp', '  backupName: kcm-20261121060000\n  existingResourcePolicy: overwrite\n') },
    expect: ["restores/erp.yaml:7:27: error: spec.existingResourcePolicy: must be one of none, update (got the string \"overwrite\")"],
  },
  {
    name: 'restore with both selectors',
    files: {
      'restores/restore-selectors.yaml': restore(
        'restore-selectors',
        '  backupName: kcm-20261121060000\n  labelSelector: {matchLabels: {a: b}}\n  orLabelSelectors: [{matchLabels: {c: d}}]\n',
      ),
    },
    expect: ["restores/restore-selectors.yaml:8:21: error: spec.orLabelSelectors: labelSelector and orLabelSelectors cannot both be set: keep one (put the labelSelector into the orLabelSelectors list if you need both)"],
  },
  // ------------------------------------------------------------------ ResourceModifiers
  {
    name: 'modifiers version v2',
    files: {
      'modifiers/v2.yaml': modifiers('v2', '  version: v2\n  resourceModifierRules:\n    - conditions: {groupResource: pods}\n      patches: [{operation: remove, path: /spec/x}]\n'),
    },
    expect: ["modifiers/v2.yaml:6:12: error: spec.version: must be one of v1 (got the string \"v2\")"],
  },
  {
    name: 'no modifier rules',
    files: { 'modifiers/empty-rules.yaml': modifiers('empty-rules', '  version: v1\n  resourceModifierRules: []\n') },
    expect: ["modifiers/empty-rules.yaml:7:26: error: spec.resourceModifierRules: must not be an empty list"],
  },
  {
    name: 'rule without groupResource',
    files: {
      'modifiers/no-gr.yaml': modifiers('no-gr', rule('    - conditions:\n        namespaces: [default]\n      patches: [{operation: remove, path: /spec/x}]\n')),
    },
    expect: ["modifiers/no-gr.yaml:8:7: error: spec.resourceModifierRules[0].conditions.groupResource: missing required field"],
  },
  {
    name: 'patches and mergePatches in one rule',
    files: {
      'modifiers/two-kinds.yaml': modifiers(
        'two-kinds',
        rule('    - conditions: {groupResource: pods}\n      patches: [{operation: remove, path: /spec/x}]\n      mergePatches: [{patchData: "{}"}]\n'),
      ),
    },
    expect: ["modifiers/two-kinds.yaml:10:7: error: spec.resourceModifierRules[0].mergePatches: only one of patches, mergePatches, strategicPatches can be specified (found patches and mergePatches)"],
  },
  {
    name: 'unknown patch operation',
    files: {
      'modifiers/bad-op.yaml': modifiers('bad-op', rule('    - conditions: {groupResource: pods}\n      patches:\n        - operation: delete\n          path: /spec/x\n')),
    },
    expect: ["modifiers/bad-op.yaml:10:22: error: spec.resourceModifierRules[0].patches[0].operation: must be one of add, remove, replace, move, copy, test (got the string \"delete\")"],
  },
  {
    name: 'patch path not a JSON pointer',
    files: {
      'modifiers/bad-path.yaml': modifiers('bad-path', rule('    - conditions: {groupResource: pods}\n      patches:\n        - operation: replace\n          path: spec.replicas\n          value: "3"\n')),
    },
    expect: ["modifiers/bad-path.yaml:11:17: error: spec.resourceModifierRules[0].patches[0].path: \"spec.replicas\" is not a JSON pointer: it must start with '/', e.g. /spec/replicas"],
  },
  {
    name: 'resourceNameRegex does not compile',
    files: {
      'modifiers/bad-regex.yaml': modifiers(
        'bad-regex',
        rule('    - conditions:\n        groupResource: deployments.apps\n        resourceNameRegex: "^web-(["\n      patches: [{operation: remove, path: /spec/x}]\n'),
      ),
    },
    expect: ["modifiers/bad-regex.yaml:10:28: error: spec.resourceModifierRules[0].conditions.resourceNameRegex: \"^web-([\" is not a valid RE2 (Go) regular expression: missing closing ]: `[`"],
  },
  {
    name: 'resourceNameRegex RE2 refuses (look-behind), issue 15 item 9',
    files: {
      'modifiers/lookbehind.yaml': modifiers(
        'lookbehind',
        rule('    - conditions:\n        groupResource: deployments.apps\n        resourceNameRegex: "(?<=web)-1"\n      patches: [{operation: remove, path: /spec/x}]\n'),
      ),
    },
    expect: ['modifiers/lookbehind.yaml:10:28: error: spec.resourceModifierRules[0].conditions.resourceNameRegex: "(?<=web)-1" is not a valid RE2 (Go) regular expression: invalid named capture: `(?<=web)-1`'],
  },
  {
    name: 'merge patch that is malformed JSON (Velero json_merge_patch_test.go "patch with bad json"), issue 15 item 7',
    files: {
      'modifiers/bad-json.yaml': modifiers('bad-json', rule('    - conditions: {groupResource: pods}\n      mergePatches:\n        - patchData: \'{"a"::1}\'\n')),
    },
    expect: ["modifiers/bad-json.yaml:10:22: error: spec.resourceModifierRules[0].mergePatches[0].patchData: is not valid YAML or JSON: unexpected ':' inside {…} or […] (a value cannot start with ':'; quote it if it should)"],
  },
  {
    name: 'strategic patch with trailing garbage, its line inside patchData named',
    files: {
      'modifiers/trailing.yaml': modifiers('trailing', rule('    - conditions: {groupResource: pods}\n      strategicPatches:\n        - patchData: |\n            {"metadata": {"labels": {"a": "b"}}}\n            garbage\n')),
    },
    expect: ["modifiers/trailing.yaml:10:22: error: spec.resourceModifierRules[0].strategicPatches[0].patchData: is not valid YAML or JSON: Unexpected scalar at node end (line 2 of patchData)"],
  },
  {
    name: 'move without from',
    files: {
      'modifiers/move.yaml': modifiers('move', rule('    - conditions: {groupResource: pods}\n      patches:\n        - operation: move\n          path: /spec/b\n')),
    },
    expect: ["modifiers/move.yaml:10:11: error: spec.resourceModifierRules[0].patches[0]: operation move needs \"from\" (the JSON pointer to move from)"],
  },
  {
    name: 'merge patch that is not YAML',
    files: {
      'modifiers/merge-yaml.yaml': modifiers('merge-yaml', rule('    - conditions: {groupResource: pods}\n      mergePatches:\n        - patchData: "{metadata: [}"\n')),
    },
    expect: ["modifiers/merge-yaml.yaml:10:22: error: spec.resourceModifierRules[0].mergePatches[0].patchData: is not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  },
  {
    name: 'ConfigMap with two data keys',
    files: {
      'modifiers/cm-two.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-two\ndata:\n  a: "version: v1"\n  b: "version: v1"\n',
    },
    expect: ["modifiers/cm-two.yaml:5:1: error: data: must have exactly one key holding the Velero YAML (found 2: a, b)"],
  },
  {
    name: 'error inside the Velero YAML of a ConfigMap',
    files: {
      'modifiers/cm-inner.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-inner\n  namespace: velero\ndata:\n  rules.yaml: |\n    version: v1\n    resourceModifierRules:\n    - conditions:\n        groupResource: pods\n      patches:\n      - operation: upsert\n        path: /spec/x\n',
    },
    expect: ["modifiers/cm-inner.yaml:13:20: error: data[\"rules.yaml\"].resourceModifierRules[0].patches[0].operation: must be one of add, remove, replace, move, copy, test (got the string \"upsert\")"],
  },
  {
    name: 'bare Velero YAML with an invalid glob',
    files: {
      'modifiers/bare-glob.yaml': 'version: v1\nresourceModifierRules:\n- conditions:\n    groupResource: "deployments.[apps"\n  patches:\n  - operation: remove\n    path: /spec/x\n',
    },
    expect: ["modifiers/bare-glob.yaml:4:20: error: resourceModifierRules[0].conditions.groupResource: bad glob pattern \"deployments.[apps\": unclosed '[' at character 13"],
  },
  // ------------------------------------------------------------------ documents and files
  {
    name: 'unknown kind',
    files: { 'policies/typo-kind.yaml': `${API}\nkind: BackupPolcy\nmetadata: {name: typo-kind}\nspec: {}\n` },
    expect: ["policies/typo-kind.yaml:2:7: error: kind: unknown kind \"BackupPolcy\": use one of BackupLocation, Cluster, BackupPolicy, RestoreRequest, ResourceModifiers (files under policies/ hold kind: BackupPolicy)"],
  },
  {
    name: 'wrong apiVersion',
    files: { 'policies/old-api.yaml': `apiVersion: cairn.dev/v1\nkind: BackupPolicy\nmetadata: {name: old-api}\nspec: {keep: 1}\n` },
    expect: ["policies/old-api.yaml:1:13: error: apiVersion: must be \"cairn.dev/v1alpha1\" (got the string \"cairn.dev/v1\")"],
  },
  {
    name: 'kind in the wrong folder',
    files: { 'locations/misplaced.yaml': policy('misplaced', '  keep: 1\n') },
    expect: ["locations/misplaced.yaml:2:7: error: kind: a BackupPolicy belongs under policies/, not locations/: move the file"],
  },
  {
    name: 'missing kind',
    files: { 'clusters/no-kind.yaml': `${API}\nmetadata: {name: no-kind}\nspec: {}\n` },
    expect: ["clusters/no-kind.yaml:1:1: error: missing kind: files under clusters/ hold kind: Cluster"],
  },
  {
    name: 'document is a list',
    files: { 'clusters/list.yaml': '- a\n- b\n' },
    expect: ["clusters/list.yaml:1:1: error: a document must be a map with apiVersion, kind, metadata and spec (files under clusters/ hold kind: Cluster)"],
  },
  {
    name: 'duplicate keys',
    files: { 'policies/dup-keys.yaml': policy('dup-keys', '  keep: 3\n  schedule: "@daily"\n  keep: 5\n') },
    expect: ["policies/dup-keys.yaml:8:3: error: duplicate key \"keep\": each key may appear only once in a map"],
  },
  {
    name: 'YAML syntax error',
    files: { 'policies/syntax.yaml': policy('syntax', '  schedule: "@daily\n  keep: 5\n') },
    expect: ["policies/syntax.yaml:8:1: error: YAML syntax error: Missing closing \"quote"],
  },
  {
    name: 'error in the second document of a file',
    files: {
      'clusters/multi.yaml': `${cluster('multi-a', '  inCluster: true\n')}---\n${cluster('multi-b', '  kubeconfig: /etc/kube/b\n  contxt: admin\n')}`,
    },
    expect: ["clusters/multi.yaml:14:3: error: spec.contxt: unknown field (did you mean \"context\"?)"],
  },
  // ------------------------------------------------------------------ across objects
  {
    name: 'duplicate names across files',
    files: {
      'policies/dup-a.yaml': policy('dup', '  keep: 1\n'),
      'policies/dup-b.yaml': policy('dup', '  keep: 2\n'),
    },
    expect: [
      "policies/dup-a.yaml:4:9: error: metadata.name: duplicate BackupPolicy name \"dup\" (also defined at policies/dup-b.yaml:4:9): names must be unique per kind",
      "policies/dup-b.yaml:4:9: error: metadata.name: duplicate BackupPolicy name \"dup\" (also defined at policies/dup-a.yaml:4:9): names must be unique per kind",
    ],
    solo: true,
  },
  {
    name: 'two default locations',
    files: {
      'locations/second-default.yaml': location('second-default', '  default: true\n  provider: filesystem\n  filesystem: {path: other}\n'),
      'policies/uses-default.yaml': policy('uses-default', '  keep: 1\n'),
    },
    expect: [
      "locations/base.yaml:5:12: error: spec.default: only one BackupLocation may set default: true; so does \"second-default\" (locations/second-default.yaml:6:12)",
      "locations/second-default.yaml:6:12: error: spec.default: only one BackupLocation may set default: true; so does \"base\" (locations/base.yaml:5:12)",
      "policies/uses-default.yaml:5:1: error: spec: no location given and the default is ambiguous (2 BackupLocations set default: true): set spec.location",
    ],
    solo: true,
  },
  {
    name: 'a policy that depends on a broken location is held back',
    files: {
      'locations/broken.yaml': location('broken', '  provider: nfs\n'),
      'policies/on-broken.yaml': policy('on-broken', '  location: broken\n'),
      'restores/on-broken.yaml': restore('on-broken', '  policy: on-broken\n'),
    },
    expect: [
      "locations/broken.yaml:6:13: error: spec.provider: must be one of s3, filesystem (got the string \"nfs\")",
      "policies/on-broken.yaml:6:13: error: spec.location: location \"broken\" has errors (locations/broken.yaml): this BackupPolicy is held back until they are fixed",
      "restores/on-broken.yaml:6:11: error: spec.policy: policy \"on-broken\" has errors (policies/on-broken.yaml): this RestoreRequest is held back until they are fixed",
    ],
    solo: true,
  },
];
