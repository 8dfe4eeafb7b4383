/**
 * The pending protocol on a token (see pkcs11-key-store.ts): labels of keys not yet committed, and the
 * recovery of what a process that is gone left pending, committed when its CA row exists, destroyed
 * otherwise. Keys of processes still running are left alone (process-stamp.ts).
 */
import { ownStamp, parseStamp, stampedProcessMayBeAlive, STAMP_PATTERN } from "../process-stamp.js";
import { attribute, findObjects } from "./pkcs11-objects.js";
import type { Pkcs11Token } from "./pkcs11-token.js";

export const PENDING_PREFIX = "tsca-pending.";
const PENDING_LABEL = new RegExp(`^tsca-pending\\.([0-9A-F]+)\\.(${STAMP_PATTERN})\\.(\\d+)\\.(.*)$`, "s");

/** `tsca-pending.<SERIAL>.<STAMP>.<ms>.<final label>`: the final label rides along for recovery. */
export const pendingLabel = (serial: string, finalLabel: string): string =>
  `${PENDING_PREFIX}${serial}.${ownStamp()}.${Date.now()}.${finalLabel}`;

/** Finish or undo the pending keys of gone processes on one (logged-in) token. */
export async function recoverToken(t: Pkcs11Token, rowExists: (serial: string) => Promise<boolean>): Promise<void> {
  const { p11, c } = t.module;
  // Pending objects by CKA_ID (hex): both objects of a pair share the id and the pending label.
  const pending = await t.withSession((s) => {
    const byId = new Map<string, { handles: Buffer[]; serial: string; stamp: string; ms: number; finalLabel: string }>();
    for (const h of findObjects(t.module, s, [{ type: c.CKA_TOKEN, value: true }])) {
      const label = attribute(t.module, s, h, c.CKA_LABEL)?.toString("utf8") ?? "";
      const m = PENDING_LABEL.exec(label);
      if (!m) continue;
      const id = `${attribute(t.module, s, h, c.CKA_ID)?.toString("hex") ?? ""}\0${label}`;
      const entry = byId.get(id) ?? { handles: [], serial: m[1]!, stamp: m[2]!, ms: Number(m[3]), finalLabel: m[4]! };
      entry.handles.push(h);
      byId.set(id, entry);
    }
    return [...byId.values()];
  }, "listing pending keys");
  for (const p of pending) {
    const stamp = parseStamp(p.stamp);
    if (!stamp || stampedProcessMayBeAlive(stamp, p.ms)) continue;
    try {
      const commit = await rowExists(p.serial);
      await t.withSession((s) => {
        for (const h of p.handles)
          if (commit) p11.C_SetAttributeValue(s, h, [{ type: c.CKA_LABEL, value: p.finalLabel }]);
          else p11.C_DestroyObject(s, h);
      }, "recovering a pending key");
    } catch {
      // the row lookup or the token failed: left for a later call
    }
  }
}
