// A small HTTP/1.1 GET/POST client on node:http(s) with keep-alive, gzip/deflate/br and a body size limit.

// No automatic redirects; an abort signal covers headers and body.
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
};

export class TooLarge extends Error {}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Reads the (decoded) body; throws TooLarge past `max` bytes. */
  body(max: number): Promise<Buffer>;
  /** Drops the body (keeps the connection when it is small). */
  discard(): void;
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error("aborted");
  e.name = "AbortError";
  return e;
}

/**
 * GET (or POST `body`) `url`; rejects on network errors and when `signal` aborts (its reason, e.g. a
 * TimeoutError).
 */
export function httpGet(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  post?: { body: string; contentType: string },
): Promise<HttpResponse> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  const agent = u.protocol === "https:" ? agents["https:"] : agents["http:"];
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const all: Record<string, string> = { ...headers, "accept-encoding": "gzip, deflate, br" };
    if (post) {
      all["content-type"] = post.contentType;
      all["content-length"] = String(Buffer.byteLength(post.body));
    }
    const req = mod.request(u, { method: post ? "POST" : "GET", headers: all, agent });
    req.end(post?.body);
    const onAbort = () => req.destroy(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(e);
    });
    req.on("response", (res) => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) h[k] = Array.isArray(v) ? v.join(", ") : v;
      }
      let used = false;
      resolve({
        status: res.statusCode ?? 0,
        headers: h,
        discard() {
          signal.removeEventListener("abort", onAbort);
          if (used) return;
          used = true;
          const len = Number(h["content-length"] ?? Number.NaN);
          if (len <= 65536) res.resume();
          else res.destroy();
        },
        body(max) {
          used = true;
          return new Promise<Buffer>((ok, fail) => {
            const done = (e?: Error, b?: Buffer) => {
              signal.removeEventListener("abort", onAbort);
              if (e) {
                res.destroy();
                fail(e);
              } else ok(b!);
            };
            const declared = Number(h["content-length"] ?? Number.NaN);
            if (declared > max) {
              done(new TooLarge(`response declares ${declared} bytes, over the ${max}-byte limit`));
              return;
            }
            const enc = (h["content-encoding"] ?? "").trim().toLowerCase();
            let stream: Readable = res;
            if (enc === "gzip" || enc === "x-gzip") stream = res.pipe(zlib.createGunzip());
            else if (enc === "deflate") stream = res.pipe(zlib.createInflate());
            else if (enc === "br") stream = res.pipe(zlib.createBrotliDecompress());
            const chunks: Buffer[] = [];
            let total = 0;
            let finished = false;
            const finish = (e?: Error, b?: Buffer) => {
              if (finished) return;
              finished = true;
              if (stream !== res) stream.destroy();
              done(e, b);
            };
            stream.on("data", (c: Buffer) => {
              total += c.length;
              if (total > max) finish(new TooLarge(`response passed the ${max}-byte limit`));
              else chunks.push(c);
            });
            stream.on("end", () => finish(undefined, Buffer.concat(chunks, total)));
            stream.on("error", (e) => finish(e));
            res.on("error", (e) => finish(e));
            res.on("aborted", () =>
              finish(signal.aborted ? abortError(signal) : new Error("connection closed")),
            );
            signal.addEventListener("abort", () => finish(abortError(signal)), { once: true });
          });
        },
      });
    });
  });
}
