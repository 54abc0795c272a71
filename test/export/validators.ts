/**
 * What the export tests check files against: the HAR 1.2 JSON schema (har-schema), what
 * Chrome's and Firefox's DevTools importers read from a HAR file, and the Postman Collection
 * v2.1 schema plus the postman-collection library's own loading.
 */
// ajv and ajv-formats are CommonJS: under NodeNext their default import is the whole module
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import harSchemas from 'har-schema';
import { Collection } from 'postman-collection';

import postmanSchema from './postman-collection-v2.1.0.schema.json' with { type: 'json' };

function ajv(): Ajv {
  // har-schema uses keywords of its own ("optional", "min"): not strict
  const a = new Ajv({ strict: false, allErrors: true });
  ajvFormats.default(a);
  return a;
}

const harAjv = ajv();
harAjv.addMetaSchema(draft06);
for (const schema of Object.values(harSchemas)) harAjv.addSchema(schema);
const harValidate = harAjv.getSchema('har.json#')!;

/** Schema errors of a HAR document, as readable lines; [] when it is valid. */
export function harSchemaErrors(har: unknown): string[] {
  if (harValidate(har)) return [];
  return (harValidate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const postmanValidate = ajv().compile(postmanSchema);

export function postmanSchemaErrors(collection: unknown): string[] {
  if (postmanValidate(collection)) return [];
  return (postmanValidate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Load with the postman-collection library, as Postman's own tools do: what it makes of each request. */
export function loadPostman(collection: object): { name: string; method: string; url: string; body: string | null }[] {
  const c = new Collection(collection);
  const out: { name: string; method: string; url: string; body: string | null }[] = [];
  c.forEachItem((item) => {
    const body = item.request.body;
    out.push({ name: item.name, method: item.request.method, url: item.request.url.toString(), body: body?.mode === 'raw' ? (body.raw ?? null) : null });
  });
  return out;
}

const num = (where: string, v: unknown) => {
  // Chrome's HARBase.safeNumber: Number(v) must not be NaN
  if (Number.isNaN(Number(v))) throw new Error(`${where} is not a number: ${JSON.stringify(v)}`);
};
const date = (where: string, v: unknown) => {
  if (Number.isNaN(new Date(v as string).getTime())) throw new Error(`${where} is not a date: ${JSON.stringify(v)}`);
};
const obj = (where: string, v: unknown) => {
  if (!v || typeof v !== 'object') throw new Error(`${where} is not an object`);
};

/**
 * Throws where Chrome's importer (devtools-frontend models/har/HARFormat.ts, Importer.ts) or
 * Firefox's (devtools/client/netmonitor/src/har/har-importer.js) would fail or read garbage.
 */
export function checkDevToolsImport(har: any): void {
  obj('har', har);
  obj('log', har.log);
  // Firefox: har.log.pages.forEach(...)
  if (!Array.isArray(har.log.pages)) throw new Error('log.pages is not an array (Firefox iterates it)');
  if (!Array.isArray(har.log.entries)) throw new Error('log.entries is not an array');
  har.log.entries.forEach((e: any, i: number) => {
    const at = `entries[${i}]`;
    obj(at, e);
    date(`${at}.startedDateTime`, e.startedDateTime);
    num(`${at}.time`, e.time);
    obj(`${at}.request`, e.request);
    obj(`${at}.response`, e.response);
    obj(`${at}.response.content`, e.response.content);
    obj(`${at}.timings`, e.timings);
    // Firefox: entry.cache.afterRequest
    obj(`${at}.cache`, e.cache);
    for (const k of ['headersSize', 'bodySize']) {
      num(`${at}.request.${k}`, e.request[k]);
      num(`${at}.response.${k}`, e.response[k]);
    }
    num(`${at}.response.status`, e.response.status);
    num(`${at}.response.content.size`, e.response.content.size);
    // every timing present, -1 where unknown (Chrome reads each; Firefox sums those != -1)
    for (const k of ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive']) {
      if (typeof e.timings[k] !== 'number') throw new Error(`${at}.timings.${k} is missing`);
      if (e.timings[k] < -1) throw new Error(`${at}.timings.${k} is ${e.timings[k]}`);
    }
    for (const k of ['send', 'wait', 'receive']) if (e.timings[k] < 0) throw new Error(`${at}.timings.${k} is negative`);
    const sum = ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive'].reduce((s, k) => (e.timings[k] >= 0 ? s + e.timings[k] : s), 0);
    if (Math.abs(sum - e.time) > 0.002) throw new Error(`${at}.time ${e.time} is not the sum of its timings ${sum}`);
    // Chrome: request.setRequestFormData(true, postData.text): text must be there
    if (e.request.postData && typeof e.request.postData.text !== 'string') throw new Error(`${at}.request.postData.text is missing`);
    for (const list of ['headers', 'cookies', 'queryString']) if (!Array.isArray(e.request[list])) throw new Error(`${at}.request.${list} is not an array`);
    for (const list of ['headers', 'cookies']) if (!Array.isArray(e.response[list])) throw new Error(`${at}.response.${list} is not an array`);
    if (typeof e.response.redirectURL !== 'string') throw new Error(`${at}.response.redirectURL is not a string`);
    if (e.response.content.encoding !== undefined && e.response.content.encoding !== 'base64') throw new Error(`${at}: unknown content encoding`);
  });
}

