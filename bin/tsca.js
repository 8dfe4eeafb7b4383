#!/usr/bin/env node
// Entry point of the `tsca` command: the bundled composition root (npm run build) does the work.
import { main } from "../dist/tsca.mjs";
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
