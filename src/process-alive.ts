// Whether another process still runs: how a crawl lock or a bulk load left behind by a killed process
// is told apart from one in progress.

/** Whether a process with this id runs on this machine (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
