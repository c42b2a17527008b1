// Checks the apiserver makes on every write before anything is stored: a body that is an
// object of the endpoint's kind, in the URL's namespace, with a valid name.
import { errors } from './status.ts';
import type { ServedResource } from './registry.ts';

type Obj = Record<string, any>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RBAC objects allow path-segment names like "system:controller:foo". */
const PATH_SEGMENT = /^[^/%]+$/;

function nameRule(def: ServedResource): { test: (n: string) => boolean; max: number; text: string } {
  if (def.groupResource === 'namespaces' || def.groupResource === 'services') {
    return {
      test: (n) => DNS1123_LABEL.test(n),
      max: 63,
      text: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    };
  }
  if (def.group === 'rbac.authorization.k8s.io') {
    return { test: (n) => PATH_SEGMENT.test(n) && n !== '.' && n !== '..', max: 253, text: "may not contain '/' or '%'" };
  }
  return {
    test: (n) => DNS1123_SUBDOMAIN.test(n),
    max: 253,
    text: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  };
}

/** The body must be a JSON object; apiVersion/kind default from the endpoint as the apiserver does. */
export function checkBody(body: unknown, def: ServedResource, requestedApiVersion: string): Obj {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.badRequest(`the request body must be a ${def.kind} object (JSON), got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const obj = body as Obj;
  obj.kind ??= def.kind;
  obj.apiVersion ??= requestedApiVersion;
  if (obj.kind !== def.kind) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${def.kind}): kind "${obj.kind}" sent to the ${def.groupResource} endpoint`);
  }
  if (obj.apiVersion !== requestedApiVersion) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${requestedApiVersion})`);
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw errors.invalid(def.group, def.kind, '', [{ field: 'metadata', message: 'Invalid value: metadata must be an object' }]);
  }
  return obj;
}

/** metadata.namespace must agree with the URL; cluster-scoped objects carry none. */
export function checkNamespace(obj: Obj, def: ServedResource, urlNamespace: string | undefined): void {
  const md = obj.metadata;
  if (!def.namespaced) {
    delete md.namespace;
    return;
  }
  if (md.namespace === undefined || md.namespace === '') md.namespace = urlNamespace;
  else if (md.namespace !== urlNamespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

export function checkName(obj: Obj, def: ServedResource): void {
  const name = obj.metadata.name;
  if (typeof name !== 'string' || name === '') {
    throw errors.invalid(def.group, def.kind, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
  }
  const rule = nameRule(def);
  if (name.length > rule.max) {
    throw errors.invalid(def.group, def.kind, name, [{ field: 'metadata.name', message: `Invalid value: "${name}": must be no more than ${rule.max} characters`, reason: 'FieldValueTooLong' }]);
  }
  if (!rule.test(name)) {
    throw errors.invalid(def.group, def.kind, name, [{ field: 'metadata.name', message: `Invalid value: "${name}": ${rule.text}` }]);
  }
  for (const key of ['labels', 'annotations'] as const) {
    const map = obj.metadata[key];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) {
      throw errors.invalid(def.group, def.kind, name, [{ field: `metadata.${key}`, message: 'Invalid value: must be a map of string to string' }]);
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string') {
        throw errors.invalid(def.group, def.kind, name, [{ field: `metadata.${key}`, message: `Invalid value: the value of "${k}" must be a string, got ${JSON.stringify(v)}` }]);
      }
    }
  }
}

const GENERATE_SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';

/** metadata.generateName + 5 random characters from the apiserver's alphabet. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_SUFFIX[Math.floor(Math.random() * GENERATE_SUFFIX.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}
