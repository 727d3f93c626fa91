// A crawl request as one frontier key: a GET is its URL, a POST is "POST <url> <form body>".

// Keeping POSTs in the same key space lets the frontier, the fetch log and the dedup work unchanged.
export type Method = "GET" | "POST";

export interface CrawlRequest {
  url: string;
  method: Method;
  /** application/x-www-form-urlencoded body of a POST. */
  body?: string;
}

/** The frontier key of a request; URLs never contain spaces, so the key parses back unambiguously. */
export function requestKey(r: { url: string; body?: string }): string {
  return r.body === undefined ? r.url : `POST ${r.url} ${r.body}`;
}

export function parseRequestKey(key: string): CrawlRequest {
  if (!key.startsWith("POST ")) return { url: key, method: "GET" };
  const space = key.indexOf(" ", 5);
  return space < 0
    ? { url: key.slice(5), method: "POST", body: "" }
    : { url: key.slice(5, space), method: "POST", body: key.slice(space + 1) };
}

/** A form body from fields, in their order (servers of these CMSs read them as ordinary form posts). */
export function formBody(fields: Record<string, string | number>): string {
  return new URLSearchParams(
    Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
}
