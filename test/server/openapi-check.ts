// Validates an answer of the read API against the OpenAPI document the API serves: the schema
// is looked up by path template, method GET and status code, so an answer the document does not
// describe fails too.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

type AddFormats = (ajv: Ajv, formats: string[]) => Ajv;
const addFormats = ((addFormatsPlugin as unknown as { default?: AddFormats }).default ?? addFormatsPlugin) as unknown as AddFormats;

interface Doc {
  paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> } }>;
}

export function openApiValidator(doc: Doc) {
  // OpenAPI 3.0 schemas are a JSON Schema dialect ajv reads with `nullable`; the rest of the
  // document (paths, info) is ignored as unknown keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv, ['date-time']);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const cache = new Map<string, ValidateFunction>();
  const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));

  return function validate(path: string, status: number, body: unknown): void {
    const template = templates.find((x) => x.re.test(path))?.t;
    if (!template) throw new Error(`${path} is not in the OpenAPI document`);
    const response = doc.paths[template].get.responses[String(status)];
    if (!response) throw new Error(`GET ${template} answered ${status}, which the OpenAPI document does not list`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) throw new Error(`GET ${template} ${status} has no application/json schema`);
    const key = `${template} ${status}`;
    let fn = cache.get(key);
    if (!fn) {
      const ref = schema.$ref as string | undefined;
      fn = ajv.compile(ref ? { $ref: `openapi.json${ref}` } : schema);
      cache.set(key, fn);
    }
    if (!fn(body)) throw new Error(`GET ${path} ${status} does not match the OpenAPI document: ${ajv.errorsText(fn.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  };
}
