// Builds the CLI bundle once before the suite, so end-to-end tests run exactly what users run.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
