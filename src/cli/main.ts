// The `zfxxgk` command: builds the program from the command modules and runs it.
import { Command } from "commander";
import { registerAnalystCommands } from "./commands/analyst.js";
import { registerCoreCommands } from "./commands/core.js";
import { registerCrawlCommands } from "./commands/crawl.js";
import { registerServeCommand } from "./commands/serve.js";

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
    process.stderr.write(`zfxxgk: ${err.message ?? String(e)}\n`);
    process.exitCode = 2;
  }
}

await main();
