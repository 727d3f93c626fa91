#!/usr/bin/env node
// Entry point of the `zfxxgk` command: runs the compiled CLI.
import "../dist/cli/main.js";
