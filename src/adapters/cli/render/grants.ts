/** Grants as the user commands print them: `PERMISSION@CA NAME`, `PERMISSION@*` for every CA. */
import type { Grant } from "../../../core/access/permissions.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import type { CaRepository } from "../../../core/ports/ca-repository.js";

export async function grantLabels(grants: readonly Grant[], cas: CaRepository): Promise<string[]> {
  const names = new Map<string, string>();
  for (const serial of new Set(grants.flatMap((g) => (g.caSerial === null ? [] : [g.caSerial])))) {
    // A grant can outlive nothing here (CAs are never deleted), but a serial is still better than a blank.
    names.set(serial, (await cas.get(serial))?.name ?? formatSerial(serial));
  }
  return grants.map((g) => `${g.permission}@${g.caSerial === null ? "*" : names.get(g.caSerial)!}`);
}
