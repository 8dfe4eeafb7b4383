import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tsca, tscaEnv } from "../../helpers/cli.js";

describe.each(BACKENDS)("smoke (%s)", (backend) => {
  it("creates an EC root CA and lists it", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const serial = tsca(t, ["init_ca", "--key-type", "EC", "Smoke", "/CN=smoke.example.com"]).trim();
    expect(serial).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(tsca(t, ["list_cas"])).toBe(`${serial} - Smoke\n`);
    const dup = runTsca(t, ["init_ca", "--key-type", "EC", "Smoke", "/CN=other.example.com"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe("Error: Smoke: A certificate authority with this name already exists.\n");
  });
});
