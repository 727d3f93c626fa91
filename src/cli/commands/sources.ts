// `zfxxgk sources find --site URL`: drafts a sources entry from a portal's home page.
import type { Command } from "commander";
import { integerArg } from "../options.js";

export function registerSourcesCommands(program: Command): void {
  const sources = program.command("sources").description("help with sources files for `zfxxgk crawl`");
  sources
    .command("find")
    .description(
      "from a portal's home page, follow 政府信息公开 → 年报 columns and print a ready sources entry (JSON)",
    )
    .requiredOption("--site <url>", "the portal's home page, e.g. https://www.example.gov.cn/")
    .option("--delay <ms>", "minimum gap between requests to the portal", integerArg("--delay", 0), 1000)
    .option("--max-fetches <n>", "pages fetched at most", integerArg("--max-fetches", 1), 30)
    .option("--no-robots", "ignore robots.txt (only for your own test servers)")
    .option("--quiet", "do not print the trail of pages on standard error")
    .addHelpText(
      "after",
      "\nExample:\n  zfxxgk sources find --site https://www.example.gov.cn/ > entry.json\n\nThe entry goes into the `sources` array of a sources file. Exit code 1 when no 年报 column was found.",
    )
    .action(
      async (opts: { site: string; delay: number; maxFetches: number; robots: boolean; quiet?: boolean }) => {
        let site: URL;
        try {
          site = new URL(opts.site);
          if (site.protocol !== "http:" && site.protocol !== "https:") throw new Error("not http(s)");
        } catch {
          process.stderr.write("zfxxgk sources find: --site must be an absolute http:// or https:// URL\n");
          process.exitCode = 2;
          return;
        }
        const { findSources } = await import("../../crawl/find-sources.js");
        const r = await findSources(site.href, {
          politeness: { delayMs: opts.delay, robots: opts.robots },
          maxFetches: opts.maxFetches,
        });
        if (!opts.quiet) for (const l of r.trail) process.stderr.write(`${l}\n`);
        if (!r.entry) {
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`${JSON.stringify(r.entry, null, 2)}\n`);
      },
    );
}
