// Content-addressed storage of document bytes (crawled or imported): <dir>/ab/cdef… named by SHA-256 only, written atomically.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { access, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The default data folder of a database: `<db>.data` beside it. */
export function defaultDataDir(dbPath: string): string {
  return `${dbPath}.data`;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class BlobStore {
  private readonly made = new Set<string>();
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Where the bytes with this hash live. File names never come from URLs. */
  path(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a SHA-256: ${sha}`);
    return join(this.dir, sha.slice(0, 2), sha.slice(2));
  }

  has(sha: string): boolean {
    return existsSync(this.path(sha));
  }

  /**
   * Stores bytes once (a temporary file renamed into place, so a crash never leaves half a file).
   * `sha` is their SHA-256 when the caller has it already (an import hashes every file to look it up).
   */
  put(bytes: Uint8Array, sha: string = sha256(bytes)): string {
    const target = this.path(sha);
    if (existsSync(target)) return sha;
    if (!this.made.has(sha.slice(0, 2))) {
      mkdirSync(join(this.dir, sha.slice(0, 2)), { recursive: true });
      this.made.add(sha.slice(0, 2));
    }
    const tmp = join(this.dir, sha.slice(0, 2), `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
    return sha;
  }

  /**
   * The same as put, with the file system calls off the main thread (file creation can take a
   * millisecond or more, which would hold up every request in flight).
   */
  async putAsync(bytes: Uint8Array): Promise<string> {
    const sha = sha256(bytes);
    const target = this.path(sha);
    const sub = sha.slice(0, 2);
    if (!this.made.has(sub)) {
      await mkdir(join(this.dir, sub), { recursive: true });
      this.made.add(sub);
    }
    try {
      await access(target);
      return sha;
    } catch {
      // not stored yet
    }
    const tmp = join(this.dir, sub, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    await writeFile(tmp, bytes);
    await rename(tmp, target);
    return sha;
  }

  get(sha: string): Buffer | undefined {
    try {
      return readFileSync(this.path(sha));
    } catch {
      return undefined;
    }
  }
}
