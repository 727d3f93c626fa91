// Preloaded with --import by startup.test.ts: writes every module the process loads to the file named
// by ZFXXGK_TRACE_MODULES (ES modules through a loader hook, CommonJS ones from the require cache at exit).
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { isMainThread } from "node:worker_threads";

const out = process.env.ZFXXGK_TRACE_MODULES;

export async function load(url, context, next) {
  if (out) appendFileSync(out, `${url}\n`);
  return next(url, context);
}

// This file is loaded again in the loader-hooks thread, where it only serves `load`.
if (isMainThread && out) {
  register(import.meta.url);
  const require = createRequire(import.meta.url);
  process.on("exit", () => appendFileSync(out, `${Object.keys(require.cache).join("\n")}\n`));
}
