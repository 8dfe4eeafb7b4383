/**
 * The spec's pathlen table as a real hierarchy, checked by `openssl verify -x509_strict`:
 *
 *   example.com (pathlen 2) ─┬─ sub1.example.com (1) ── sub.sub1.example.com (0)
 *                            └─ sub2.example.com (0)
 *
 * Every chain verifies (also with an end-entity certificate issued below each CA by openssl), every
 * forbidden child is refused with one sentence and leaves nothing behind, and the refusals agree with
 * what openssl says about a certificate made anyway.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caPem, expectRefused, keyFile, linesOf, opensslExtensions, opensslLeaf, opensslVerify, x509Text } from "../../helpers/oracles.js";

const PATHLEN_REFUSED = /^Error: Parent CA "[^"]+" cannot create an intermediate CA due to path length restrictions/;

function init(t: TscaEnv, name: string, cn: string, ...args: string[]): string {
  return tsca(t, ["init_ca", "--key-type", "EC", ...args, name, `/CN=${cn}`]).trim();
}

const maxLevels = (t: TscaEnv, ca: string): string | undefined =>
  /^\* Maximum levels of sub-CAs \(path length\): (.*)$/m.exec(tsca(t, ["view_ca", ca]))?.[1];

describe.each(BACKENDS)("path length (%s)", (backend) => {
  it("builds the spec's table; every chain passes openssl verify -x509_strict", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = init(t, "example.com", "example.com", "--pathlen=2");
    const sub1 = init(t, "sub1.example.com", "sub1.example.com", "--parent", root, "--pathlen=1");
    const sub2 = init(t, "sub2.example.com", "sub2.example.com", "--parent", "example.com", "--pathlen=0");
    const subsub1 = init(t, "sub.sub1.example.com", "sub.sub1.example.com", "--parent", "sub1.example.com", "--pathlen=0");

    const pem = { root: caPem(t, root), sub1: caPem(t, sub1), sub2: caPem(t, sub2), subsub1: caPem(t, subsub1) };
    const bc = (p: string): string | undefined => opensslExtensions(x509Text(p)).get("X509v3 Basic Constraints")?.value;
    expect([bc(pem.root), bc(pem.sub1), bc(pem.sub2), bc(pem.subsub1)]).toEqual([
      "CA:TRUE, pathlen:2",
      "CA:TRUE, pathlen:1",
      "CA:TRUE, pathlen:0",
      "CA:TRUE, pathlen:0",
    ]);

    const ok = (r: { code: number; stdout: string; stderr: string }): void => {
      expect(r.stderr + r.stdout).toMatch(/: OK\n/);
      expect(r.code).toBe(0);
    };
    ok(opensslVerify(pem.root, [], pem.root));
    ok(opensslVerify(pem.root, [], pem.sub1));
    ok(opensslVerify(pem.root, [], pem.sub2));
    ok(opensslVerify(pem.root, [pem.sub1], pem.subsub1));
    // Without its intermediate the deepest CA does not verify: the check above really used the chain.
    expect(opensslVerify(pem.root, [], pem.subsub1).code).not.toBe(0);

    // Each CA of the table can issue an end-entity certificate that verifies up to the root.
    ok(opensslVerify(pem.root, [pem.sub1, pem.subsub1], opensslLeaf(pem.subsub1, keyFile(t, subsub1), "www.example.com").pem));
    ok(opensslVerify(pem.root, [pem.sub2], opensslLeaf(pem.sub2, keyFile(t, sub2), "www.example.com").pem));

    // dump_ca --bundle is exactly the chain openssl needed.
    expect(tsca(t, ["dump_ca", "--bundle", subsub1])).toBe(pem.subsub1 + pem.sub1 + pem.root);

    // view_ca shows the effective number of levels left below each CA.
    expect([maxLevels(t, root), maxLevels(t, sub1), maxLevels(t, sub2), maxLevels(t, subsub1)]).toEqual(["2", "1", "0", "0"]);
    const json = JSON.parse(tsca(t, ["view_ca", "--output-format", "json", sub1])) as {
      max_sub_ca_levels: number;
      children: { name: string }[];
    };
    expect(json.max_sub_ca_levels).toBe(1);
    expect(json.children.map((c) => c.name)).toEqual(["sub.sub1.example.com"]);

    // list_cas --tree shows the hierarchy.
    const tree = linesOf(tsca(t, ["list_cas", "--tree"]));
    expect(tree[0]).toBe(`${root} - example.com`);
    expect(tree.filter((l) => l.endsWith(" - sub.sub1.example.com"))[0]).toMatch(/^[│ ]   └─── /);

    // Children below sub2 and below sub.sub1 are refused and leave nothing behind.
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", sub2, "below-sub2", "/CN=below.sub2.example.com"],
      1,
      PATHLEN_REFUSED,
    );
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "sub.sub1.example.com", "below-subsub1", "/CN=below.example.com"],
      1,
      PATHLEN_REFUSED,
    );
    // The same with an RSA key that would take a while to generate: refused before a key exists.
    await expectRefused(
      t,
      ["init_ca", "--key-size", "2048", "--parent", sub2, "rsa-below-sub2", "/CN=rsa.example.com"],
      1,
      PATHLEN_REFUSED,
    );
  });

  it("refuses a grandchild when an ancestor's limit forbids it, as openssl would", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = init(t, "Root", "root.example.com", "--pathlen=1");
    // A child pathlen of 1 could never be used below a root with pathlen 1: refused, naming the root's limit.
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Root", "--pathlen=1", "Child", "/CN=child.example.com"],
      1,
      /^Error: A path length of 1 cannot be used below parent CA "Root": its own path length \(1\) allows at most 0/,
    );
    const child = init(t, "Child", "child.example.com", "--parent", "Root", "--no-pathlen");
    // The child has no limit of its own, but the root allows only one level below it: none is left.
    expect(maxLevels(t, "Child")).toBe("0");
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Child", "Grandchild", "/CN=grandchild.example.com"],
      1,
      /^Error: Parent CA "Child" cannot create an intermediate CA due to path length restrictions: the path length of its ancestor "Root" \(1\) allows no further CA level/,
    );

    // Independent check that refusing is right: a CA made anyway by openssl below the child cannot
    // issue anything that verifies.
    const rootPem = caPem(t, root);
    const childPem = caPem(t, child);
    expect(opensslVerify(rootPem, [], childPem).code).toBe(0);
    const grand = opensslLeaf(childPem, keyFile(t, child), "grandchild.example.com", { ca: true, pathlen: 0 });
    const leaf = opensslLeaf(grand.pem, grand.key, "www.example.com");
    const r = opensslVerify(rootPem, [childPem, grand.pem], leaf.pem);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/path length constraint exceeded/);
  });

  it("with no limit anywhere, levels are unlimited; one limited ancestor limits all below it", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    init(t, "Open", "open.example.com", "--no-pathlen");
    init(t, "Open-1", "open1.example.com", "--parent", "Open", "--no-pathlen");
    init(t, "Open-2", "open2.example.com", "--parent", "Open-1", "--no-pathlen");
    init(t, "Open-3", "open3.example.com", "--parent", "Open-2", "--pathlen=1");
    expect([maxLevels(t, "Open"), maxLevels(t, "Open-2"), maxLevels(t, "Open-3")]).toEqual(["unlimited", "unlimited", "1"]);
    init(t, "Open-4", "open4.example.com", "--parent", "Open-3", "--no-pathlen");
    expect(maxLevels(t, "Open-4")).toBe("0");
    await expectRefused(t, ["init_ca", "--key-type", "EC", "--parent", "Open-4", "Open-5", "/CN=open5.example.com"], 1, PATHLEN_REFUSED);
    const pems = ["Open", "Open-1", "Open-2", "Open-3", "Open-4"].map((n) => caPem(t, n));
    expect(opensslVerify(pems[0]!, pems.slice(1, 4), pems[4]!).code).toBe(0);
  });

  it("refuses a child of a disabled parent (or of a disabled ancestor) until it is enabled again", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = init(t, "Root", "root.example.com", "--pathlen=2");
    init(t, "Mid", "mid.example.com", "--parent", "Root", "--pathlen=1");
    expect(runTsca(t, ["edit_ca", "--disable", "Root"])).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(tsca(t, ["list_cas"])).toContain(`${root} - Root (disabled)\n`);
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Root", "Child", "/CN=child.example.com"],
      1,
      /^Error: Parent CA "Root" is disabled\.\n$/,
    );
    await expectRefused(t, ["init_ca", "--key-type", "EC", "--parent", "Mid", "Child", "/CN=child.example.com"], 1, /disabled/);
    tsca(t, ["edit_ca", "--enable", "Root"]);
    expect(tsca(t, ["list_cas"])).not.toContain("(disabled)");
    expect(init(t, "Child", "child.example.com", "--parent", "Mid")).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  });
});
