/**
 * Revoked CAs are visible (issue 7): list_cas marks a revoked CA, and a CA below it that cannot sign any
 * more although its own certificate is not revoked (RFC 5280 §6.1.3: every certificate on the path must
 * be unrevoked); view_ca reports such a CA as unusable and names the revoked ancestor; both in text and
 * JSON. The behaviour is checked against what sign_cert actually does with each CA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

interface CaJson {
  name: string;
  serial: string;
  revoked: boolean;
  revoked_ancestor: { serial: string; name: string } | null;
}

describe.each(BACKENDS)("revoked CAs in list_cas and view_ca (%s)", (backend) => {
  let t: TscaEnv;
  const serial: Record<string, string> = {};
  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    const ec = ["--key-type", "EC"];
    serial.Root = tsca(t, ["init_ca", ...ec, "--pathlen", "2", "Root", "/CN=Root"]).trim();
    serial.Inter = tsca(t, ["init_ca", ...ec, "--pathlen", "1", "--parent", "Root", "Inter", "/CN=Inter"]).trim();
    serial.Sub = tsca(t, ["init_ca", ...ec, "--parent", "Inter", "Sub", "/CN=Sub"]).trim();
    serial.Sibling = tsca(t, ["init_ca", ...ec, "--parent", "Root", "Sibling", "/CN=Sibling"]).trim();
    tsca(t, ["revoke_ca", "Inter", "--reason", "ca_compromise"]);
  });
  afterAll(() => disposeInstallation(t));

  it("sign_cert confirms which CAs can still sign (the oracle for what the listings must say)", () => {
    const csr = makeCsr("ec", "/CN=x.example.test");
    for (const ca of ["Root", "Sibling"]) expect(runTsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path]).code).toBe(0);
    for (const ca of ["Inter", "Sub"]) expect(runTsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path]).code).toBe(1);
  });

  it("list_cas marks the revoked CA and the CA below it, in text, --tree and JSON", () => {
    const lines = tsca(t, ["list_cas"]).trimEnd().split("\n");
    expect(lines).toContain(`${serial.Root} - Root`);
    expect(lines).toContain(`${serial.Sibling} - Sibling`);
    expect(lines).toContain(`${serial.Inter} - Inter (revoked)`);
    expect(lines).toContain(`${serial.Sub} - Sub (unusable: ancestor "Inter" is revoked)`);
    const tree = tsca(t, ["list_cas", "--tree"]);
    expect(tree).toContain(`${serial.Inter} - Inter (revoked)\n`);
    expect(tree).toContain(`${serial.Sub} - Sub (unusable: ancestor "Inter" is revoked)\n`);

    const json = JSON.parse(tsca(t, ["list_cas", "--output-format", "json"])) as CaJson[];
    const by = Object.fromEntries(json.map((c) => [c.name, c]));
    expect(by.Inter).toMatchObject({ revoked: true, revoked_ancestor: null });
    expect(by.Sub).toMatchObject({ revoked: false, revoked_ancestor: { serial: serial.Inter, name: "Inter" } });
    expect(by.Root).toMatchObject({ revoked: false, revoked_ancestor: null });
    expect(by.Sibling).toMatchObject({ revoked: false, revoked_ancestor: null });
  });

  it("view_ca reports a CA under a revoked ancestor as unusable and names the ancestor", () => {
    const sub = tsca(t, ["view_ca", "Sub", "--no-pem"]);
    expect(sub).toContain("* Status: Valid\n");
    expect(sub).toContain(`* Usable: no (ancestor CA "Inter" (${serial.Inter}) is revoked)\n`);
    expect(tsca(t, ["view_ca", "Inter", "--no-pem"])).toContain("* Usable: no (it is revoked)\n");
    expect(tsca(t, ["view_ca", "Sibling", "--no-pem"])).toContain("* Usable: yes\n");

    const json = JSON.parse(tsca(t, ["view_ca", "Sub", "--output-format", "json"])) as Record<string, unknown>;
    expect(json).toMatchObject({
      status: "valid",
      usable: false,
      unusable_because: { serial: serial.Inter, name: "Inter", status: "revoked" },
    });
    expect(JSON.parse(tsca(t, ["view_ca", "Root", "--output-format", "json"]))).toMatchObject({ usable: true, unusable_because: null });
  });
});
