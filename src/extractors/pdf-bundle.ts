// Loads pdfjs's two ES module bundles with a V8 code cache on disk, so that a new process or worker
// thread does not parse and compile 3.4 MB of JavaScript again before it reads its first PDF.
//
// Node 20 has no compile cache for ES modules (module.enableCompileCache came with Node 22), but
// vm.Script takes and produces V8 code caches. A pdfjs bundle is a self-contained module: no static
// imports, `import.meta.url` in a few places and one `export { … }` statement at its end. It is run as
// the body of a strict-mode function that receives the module's URL and returns its exports: the same
// code, in the same global context, as `import()` would run. The cache is written after the first
// document has been read, so it holds the functions reading a PDF compiles, not only the top level; V8
// refuses a cache made by another V8 version or with other flags, and the bundle is then compiled as
// if there were none (and the cache written anew). The caches are kept in node_modules/.cache (as
// other build tools keep theirs), in a folder only its owner may write to: a code cache is code, so a
// folder that someone else could write to is never read. Without such a folder nothing is cached.
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { crc32 } from "node:zlib";

/** Changes when asFunctionSource changes, so that no cache of an older wrapping is used. */
const CACHE_FORMAT = 1;

/** The one export statement a bundle ends with: `export { A, B as C };`. */
const EXPORTS = /^\nexport \{([^}]*)\};?\s*(\/\/# sourceMappingURL=\S*\s*)?$/;

/**
 * A bundle's source (its bytes, or its text) as a function expression `(importMetaUrl) => exports`, or
 * undefined when it does not end with an export statement. Other module-only code (a static import,
 * top-level await) is left in: it does not compile as a function body, which loadBundle takes as "not a
 * bundle it can run". The export statement is found in the bytes: searches over the decoded text (which
 * holds non-Latin-1 characters) cost 20 ms a bundle.
 */
export function asFunctionSource(code: Buffer | string): string | undefined {
  const bytes = typeof code === "string" ? Buffer.from(code, "utf8") : code;
  const at = bytes.lastIndexOf("\nexport {");
  const m = at < 0 ? null : EXPORTS.exec(bytes.subarray(at).toString("utf8"));
  if (!m) return undefined;
  const body = bytes.subarray(0, at);
  const entries = m[1]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [local, exported = local] = s.split(/\s+as\s+/);
      return exported === local ? local : `${JSON.stringify(exported)}: ${local}`;
    });
  const text = body.toString("utf8").replaceAll("import.meta.url", "__zfxxgkImportMetaUrl");
  return `(function (__zfxxgkImportMetaUrl) {"use strict";${text}\nreturn { ${entries.join(", ")} };\n})`;
}

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** Whether V8 took the code cache (false: compiled from the source). */
  fromCache: boolean;
  /** Writes the code cache when the loaded one was missing or refused; safe to call more than once. */
  saveCache(): void;
}

/**
 * True when `dir` exists (it is made if need be) as a real folder of this user that nobody else may
 * write to, so that a cache read from it can only have been written by this user.
 */
function privateFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Runs the ES module bundle at `file` (a path) and returns its exports, through the code cache kept in
 * `cacheFolder` (undefined: none). Returns undefined when the file is not a bundle this can run (the
 * caller then imports it as a module).
 */
export function loadBundle(file: string, cacheFolder: string | undefined): LoadedBundle | undefined {
  const bytes = readFileSync(file);
  const source = asFunctionSource(bytes);
  if (source === undefined) return undefined;
  // V8 checks a cache against the source's length only: the key names the exact bytes it was made from.
  const name = basename(file);
  const key = `${name}-${CACHE_FORMAT}-${bytes.length}-${crc32(bytes).toString(16)}.v8`;
  const folder = cacheFolder && privateFolder(cacheFolder) ? cacheFolder : undefined;
  const cachePath = folder && join(folder, key);
  let cachedData: Buffer | undefined;
  try {
    cachedData = cachePath ? readFileSync(cachePath) : undefined;
  } catch {
    cachedData = undefined;
  }
  let script: vm.Script;
  try {
    script = new vm.Script(source, {
      filename: file,
      cachedData,
      // Dynamic import() in the bundle (pdfjs loads optional WebAssembly decoders so) works as in a module.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
  } catch (e) {
    if (e instanceof SyntaxError) return undefined; // module code a function cannot hold
    throw e;
  }
  const run = script.runInThisContext() as (url: string) => Record<string, unknown>;
  const exports = run(pathToFileURL(file).href);
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  let saved = fromCache || cachePath === undefined;
  return {
    exports,
    fromCache,
    saveCache() {
      if (saved || cachePath === undefined) return;
      saved = true;
      try {
        const tmp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cachePath);
        // The caches of this bundle's earlier versions (an upgrade, another patch) are of no more use.
        for (const f of readdirSync(folder!))
          if (f.startsWith(`${name}-`) && f.endsWith(".v8") && f !== key)
            rmSync(join(folder!, f), { force: true });
      } catch {
        // A full disk only costs the next start its compile time.
      }
    },
  };
}

/**
 * How V8 tiers pdfjs up while a thread reads its first documents. V8 optimises a function once it has run
 * a set amount of bytecode (its interrupt budget); pdfjs is a large body of code of which one report runs
 * much, briefly, so a thread's first reports set the optimising compiler to work on hundreds of
 * functions in the background: 40% of the CPU time of a 40-PDF import went to it. While a thread reads
 * its first WARM_UP_DOCUMENTS documents the budget is 16 times the default (a fifth less CPU time for
 * those documents); then the default is put back, as optimised code pays off over a long batch (read
 * with the raised budget throughout, a batch costs ~6% more CPU per document once warm). Only on the
 * V8 these figures were measured on (Node 20's V8 11); the flag is process-wide, and tiering never
 * changes what code computes. The budget is raised before pdfjs is compiled: V8 checks a code cache
 * against the flags it was made with, this one included.
 */
const TIERING = process.versions.v8.startsWith("11.")
  ? { warmUpBudget: 16 * 67_584, defaultBudget: 67_584 }
  : undefined;
const WARM_UP_DOCUMENTS = 25;
let documentsRead = 0;

/** Raises V8's interrupt budget for this thread's first documents (see TIERING). */
export function startWarmUpTiering(): void {
  if (TIERING) v8.setFlagsFromString(`--interrupt-budget=${TIERING.warmUpBudget}`);
}

/** Counts a document read by this thread; puts V8's default budget back after the warm-up documents. */
export function documentRead(): void {
  documentsRead++;
  if (TIERING && documentsRead === WARM_UP_DOCUMENTS)
    v8.setFlagsFromString(`--interrupt-budget=${TIERING.defaultBudget}`);
}
