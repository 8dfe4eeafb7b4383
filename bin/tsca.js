#!/usr/bin/env node
// Entry point of the `tsca` command: the bundled composition root (npm run build) does the work.
import { main } from "../dist/tsca.mjs";

// A reader that goes away (`tsca -h | head -1`) is not an error of tsca: stop quietly, like a command
// killed by SIGPIPE would, instead of a stack trace for the unhandled EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
