/**
 * `tsca list_cas`: `SERIAL - NAME` per CA, `(disabled)`, `(revoked)` and `(unusable: ancestor "X" is revoked)` marked;
 * `--tree` for the hierarchy; `--output-format json` (with `revoked` and `revoked_ancestor`).
 */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { listCas, type CaList, type CaTreeNode } from "../../../core/usecases/list-cas.js";
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { jsonOutput, outputFormat, textLines } from "../output.js";
import { caSummaryJson } from "../../../core/views/ca-json.js";
import { examples } from "../help.js";

/** Marks after the name: a revoked CA, and one that cannot sign because a CA above it is revoked. */
function marks(ca: CertificateAuthority, revokedAncestors: CaList["revokedAncestors"]): string {
  const above = revokedAncestors.get(ca.serial);
  return [
    ...(ca.enabled ? [] : [" (disabled)"]),
    ...(ca.revokedAt ? [" (revoked)"] : []),
    ...(above ? [` (unusable: ancestor "${above.name}" is revoked)`] : []),
  ].join("");
}

function treeLines(nodes: CaTreeNode[], prefix: string, out: string[], line: (ca: CertificateAuthority) => string): void {
  nodes.forEach((n, i) => {
    const last = i === nodes.length - 1;
    out.push(`${prefix}${last ? "└───" : "│───"} ${line(n.ca)}`);
    treeLines(n.children, prefix + (last ? "    " : "│   "), out, line);
  });
}

export function registerListCas(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("list_cas")
    .description("List all certificate authorities: SERIAL - NAME, ordered by expiry.")
    .option("-t, --tree", "show the hierarchy of CAs")
    .option("--output-format <format>", "text or json", "text")
    .addHelpText("after", examples(["tsca list_cas --tree", "the hierarchy"], ["tsca list_cas --output-format json", "for scripts"]))
    .action(async (o: { tree?: boolean; outputFormat: string }) => {
      const format = outputFormat(o.outputFormat, ["text", "json"] as const);
      const { cas, tree, revokedAncestors } = await listCas(...(await withCaller(context, (c) => c.cas)));
      if (format === "json") {
        io.stdout.write(
          jsonOutput(
            cas.map((ca) => {
              const above = revokedAncestors.get(ca.serial);
              return { ...caSummaryJson(ca), revoked_ancestor: above ? { serial: formatSerial(above.serial), name: above.name } : null };
            }),
          ),
        );
        return;
      }
      const line = (ca: CertificateAuthority): string => `${formatSerial(ca.serial)} - ${ca.name}${marks(ca, revokedAncestors)}`;
      const out: string[] = [];
      if (o.tree) {
        for (const root of tree) {
          out.push(line(root.ca));
          treeLines(root.children, "", out, line);
        }
      } else out.push(...cas.map(line));
      io.stdout.write(textLines(out));
    });
}
