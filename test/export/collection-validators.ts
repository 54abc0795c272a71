/**
 * The Insomnia and Bruno exports read back by the tools' own parsers: insomnia-importers'
 * convert() (what Insomnia's Import runs on a file) and @usebruno/lang's bruToJsonV2 (what
 * Bruno runs on each .bru file). Each request comes back as method, URL, headers and body with
 * the tool's template syntax undone, to compare with the captured request.
 */
import brunoLang from '@usebruno/lang';
import insomniaImporters from 'insomnia-importers';

export interface ReadBack {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  /** Text, or form fields, or a file's path (Bruno), or null. */
  body: string | [string, string][] | { file: string; contentType: string } | null;
  mimeType?: string;
}

/** Insomnia renders `{{ "{{" }}` as `{{`: the text the request sends (variables left as they are). */
export function untemplate(s: string): string {
  return s.replace(/\{\{ "\{([{%#])" \}\}/g, '{$1');
}

export async function loadInsomnia(text: string): Promise<{ importer: string; resources: any[] }> {
  const r = await insomniaImporters.convert(text);
  return { importer: r.type.id, resources: r.data.resources };
}

/** The requests of an Insomnia export as its importer returns them. */
export function insomniaRequests(resources: any[]): ReadBack[] {
  return resources
    .filter((r) => r._type === 'request' || r._type === 'websocket_request')
    .map((r) => {
      const body = r.body ?? {};
      return {
        name: untemplate(r.name),
        method: r._type === 'websocket_request' ? 'WS' : r.method,
        url: untemplate(r.url),
        headers: r.headers.map((h: any) => [untemplate(h.name), untemplate(h.value)]),
        body: body.params ? body.params.map((p: any) => [untemplate(p.name), untemplate(p.value)]) : typeof body.text === 'string' ? untemplate(body.text) : null,
        mimeType: body.mimeType,
      };
    });
}

export function parseBru(text: string): any {
  return brunoLang.bruToJsonV2(text);
}

/** One .bru file's request as Bruno reads it. */
export function bruRequest(text: string): ReadBack {
  const j = parseBru(text);
  const http = j.http ?? j.ws;
  const mode = http.body ?? 'none';
  let body: ReadBack['body'] = null;
  if (mode === 'formUrlEncoded') body = j.body.formUrlEncoded.map((p: any) => [p.name, p.value]);
  else if (mode === 'file') body = { file: j.body.file[0].filePath, contentType: j.body.file[0].contentType };
  else if (mode !== 'none' && mode !== 'ws') body = j.body[mode];
  return {
    name: j.meta.name,
    method: j.http ? j.http.method.toUpperCase() : 'WS',
    url: http.url,
    headers: (j.headers ?? []).filter((h: any) => h.enabled).map((h: any) => [h.name, h.value]),
    body,
  };
}
