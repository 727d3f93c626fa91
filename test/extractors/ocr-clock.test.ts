// The OCR page clock: a page's programs are stopped by the CPU time they use, not by the wall time a busy
// machine makes them wait, and the wall time stays bounded (real processes, Linux /proc).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PageClock, runUnderClock } from "../../src/extractors/ocr.js";

const linux = existsSync("/proc/self/stat");
if (!linux) console.warn("OCR clock tests skipped: no /proc here (the page clock falls back to wall time)");

describe.skipIf(!linux)("the OCR page clock", () => {
  it("lets a program that waits without using the CPU run past the CPU limit", async () => {
    const clock = new PageClock(300, "test page", 20_000);
    const t0 = performance.now();
    const out = await runUnderClock("sh", ["-c", "sleep 1.2; echo done"], undefined, clock, "waiting");
    expect(out.toString().trim()).toBe("done");
    expect(performance.now() - t0).toBeGreaterThan(1000);
    expect(clock.used()).toBeLessThan(300);
  }, 30_000);

  it("stops a program that uses more CPU than the page may, counting its child processes", async () => {
    const clock = new PageClock(600, "test page", 60_000);
    const t0 = performance.now();
    // The busy loop runs in a child of the shell (and under the `timeout` watchdog): its time counts.
    const busy = runUnderClock("sh", ["-c", "sh -c 'while :; do :; done'"], undefined, clock, "spinning");
    await expect(busy).rejects.toMatchObject({ code: "timeout", message: /used more than 1 s of CPU/ });
    expect(clock.used()).toBeGreaterThan(600);
    // Well before the wall bound: the CPU limit stopped it.
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 90_000);

  it("sums the CPU of a page's runs, and still bounds its wall time", async () => {
    const clock = new PageClock(60_000, "test page", 4_000);
    // Busy for a second (sampled several times while it runs), then ended by coreutils' timeout.
    const spin = "timeout 1 sh -c 'while :; do :; done'; true";
    await runUnderClock("sh", ["-c", spin], undefined, clock, "a");
    const first = clock.used();
    expect(first).toBeGreaterThan(0);
    const idle = runUnderClock("sleep", ["30"], undefined, clock, "sleeping");
    await expect(idle).rejects.toMatchObject({ code: "timeout", message: /took longer than 4 s/ });
    expect(clock.used()).toBeGreaterThanOrEqual(first);
  }, 30_000);
});
