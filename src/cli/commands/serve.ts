// `zfxxgk serve`: starts the local web workbench over the database and keeps it running until interrupted.
import type { Command } from "commander";
import { dbOption } from "../options.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description(
      "local web workbench: reports, one report beside its source, compare, year-over-year, review, crawl runs",
    )
    .option("--port <n>", "port (0: any free port)", "8080")
    .option(
      "--host <address>",
      "address to listen on (default 127.0.0.1; anything else is reachable from the network)",
    )
    .option(
      "--allow-corrections",
      "allow correcting and confirming cells (needs the per-launch token printed here)",
    )
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
The workbench is read-only unless --allow-corrections is given; then open the address printed with the
token once in your browser to allow corrections from it.

Examples:
  zfxxgk serve --db reports.sqlite
  zfxxgk serve --db reports.sqlite --port 9000 --allow-corrections`,
    )
    .action(async (opts) => {
      // Loaded here so that other commands never load the server.
      const { startWorkbench } = await import("../../web/server.js");
      const host = opts.host ?? "127.0.0.1";
      if (!LOOPBACK.has(host))
        process.stderr.write(
          `zfxxgk serve: WARNING: listening on ${host}, not loopback: anyone who can reach this machine can read the database${opts.allowCorrections ? " (writes still need the token)" : ""}.\n`,
        );
      const wb = await startWorkbench({
        db: opts.db,
        host,
        port: Number(opts.port),
        allowCorrections: opts.allowCorrections === true,
      });
      process.stdout.write(
        `zfxxgk workbench on ${wb.url}/  (${opts.allowCorrections ? "corrections allowed" : "read-only"}; Ctrl-C stops it)\n`,
      );
      if (wb.unlockUrl)
        process.stdout.write(`To allow corrections in your browser, open once: ${wb.unlockUrl}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          wb.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
