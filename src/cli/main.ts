// The `zfxxgk` command: builds the program from the command modules and runs it.
//
// Adding a command (keep start-up fast: `zfxxgk --help` loads only the definitions):
//   1. Define it in a module of ./commands/ whose top-level imports are commander, ../options.js and
//      types only (`import type`); the action loads what it runs when it runs:
//        .action(async (opts) => { const { work } = await import("../../area/work.js"); ... })
//   2. Register that module below with one line, `registerXCommands(program);`.
// test/cli/startup.test.ts fails when `--help`, `show` or `compare` load document reading or more.
import { Command } from "commander";
import { registerAnalystCommands } from "./commands/analyst.js";
import { registerCoreCommands } from "./commands/core.js";
import { registerCrawlCommands } from "./commands/crawl.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSourcesCommands } from "./commands/sources.js";
import { registerStoreCommands } from "./commands/store.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("zfxxgk")
    .description(
      "Import Chinese government information-disclosure annual reports (政府信息公开工作年度报告),\nreconstruct and validate their statistical tables, and store them in SQLite.",
    )
    .showHelpAfterError()
    .exitOverride();
  // Each command module registers its commands here, one line each.
  registerCoreCommands(program);
  registerAnalystCommands(program);
  registerCrawlCommands(program);
  registerSourcesCommands(program);
  registerStoreCommands(program);
  registerServeCommand(program);
  return program;
}

async function main() {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code?.startsWith("commander.")) {
      process.exitCode = err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
      return;
    }
    if (err.code === "EPIPE") return; // output piped into head and closed: end quietly
    process.stderr.write(`zfxxgk: ${err.message ?? String(e)}\n`);
    process.exitCode = 2;
  }
}

await main();
