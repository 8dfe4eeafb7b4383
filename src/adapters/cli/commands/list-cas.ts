/** `tsca list_cas`: `SERIAL - NAME` per CA, `(disabled)` marked; `--tree` for the hierarchy; `--output-format json`. */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { listCas, type CaTreeNode } from "../../../core/usecases/list-cas.js";
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import type { CliIo, ContextFactory } from "../context.js";
import { jsonOutput, outputFormat, textLines } from "../output.js";
import { caSummaryJson } from "../render/ca-json.js";

const line = (ca: CertificateAuthority): string => `${formatSerial(ca.serial)} - ${ca.name}${ca.enabled ? "" : " (disabled)"}`;

function treeLines(nodes: CaTreeNode[], prefix: string, out: string[]): void {
  nodes.forEach((n, i) => {
    const last = i === nodes.length - 1;
    out.push(`${prefix}${last ? "└───" : "│───"} ${line(n.ca)}`);
    treeLines(n.children, prefix + (last ? "    " : "│   "), out);
  });
}

export function registerListCas(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("list_cas")
    .description("List all certificate authorities: SERIAL - NAME, ordered by expiry.")
    .option("-t, --tree", "show the hierarchy of CAs")
    .option("--output-format <format>", "text or json", "text")
    .action(async (o: { tree?: boolean; outputFormat: string }) => {
      const format = outputFormat(o.outputFormat, ["text", "json"] as const);
      const { cas, tree } = await listCas((await context()).cas);
      if (format === "json") {
        io.stdout.write(jsonOutput(cas.map(caSummaryJson)));
        return;
      }
      const out: string[] = [];
      if (o.tree) {
        for (const root of tree) {
          out.push(line(root.ca));
          treeLines(root.children, "", out);
        }
      } else out.push(...cas.map(line));
      io.stdout.write(textLines(out));
    });
}
