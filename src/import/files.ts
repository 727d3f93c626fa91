// The files an import reads: the given paths walked into a list of files. A module of its own, with
// nothing behind it but node:fs, so that `import` lists its files and starts its worker threads before
// it loads the pipeline and the store (see src/cli/commands/core.ts).
import { readdirSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** Files that sit beside reports but are not reports: gold labels, readmes, hidden files. */
const DEFAULT_EXCLUDE = [/\.gold\.json$/i, /^readme(\.\w+)?$/i, /^\./, /\.sqlite(?:-wal|-shm)?$/i];

export function listFiles(paths: string[], exclude: RegExp[] = DEFAULT_EXCLUDE): string[] {
  const out: string[] = [];
  const seenDirs = new Set<string>(); // real paths: a symlink loop is followed once
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // reported as a failure by the importer, with the reason
      return;
    }
    if (st.isDirectory()) {
      const real = realpathSync(p);
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      for (const name of readdirSync(p).sort()) {
        if (exclude.some((re) => re.test(name))) continue;
        walk(join(p, name));
      }
    } else out.push(p);
  };
  for (const p of paths) walk(resolve(p));
  return out;
}
