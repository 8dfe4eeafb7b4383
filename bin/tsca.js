#!/usr/bin/env node
// Entry point of the `tsca` command: the compiled composition root does the work.
import { main } from "../dist/main/cli.js";
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
