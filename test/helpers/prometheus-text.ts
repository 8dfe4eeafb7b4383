/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/
 * exposition_formats), for the tests of /metrics: prom-client has no public parser. Anything the format does
 * not allow throws, naming the line: a sample without # TYPE before it, a metric name or label name outside
 * [a-zA-Z_:][a-zA-Z0-9_:]*, an unescaped quote, a value that is not a float, a repeated series, a family
 * split in two, a histogram whose buckets are not cumulative or lack +Inf equal to _count.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | undefined;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string, line: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat, which takes Inf and NaN in any case (prom-client
  // writes "Nan" for an event-loop mean it has not measured yet).
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`not a float value: ${line}`);
  return Number(s);
}

/** Labels between the braces, with \\, \" and \n escapes (the only ones the format has). */
function parseLabels(text: string, line: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = 0;
  for (;;) {
    if (text[i] === "}") return [labels, i + 1];
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`label without '=': ${line}`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}": ${line}`);
    if (name in labels) throw new Error(`label ${name} twice: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted: ${line}`);
    let value = "";
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === "\\") {
        const next = text[++j];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`bad escape in label value: ${line}`);
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`expected ',' or '}' after a label: ${line}`);
  }
}

const SUFFIXES: Record<Family["type"], string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const closed = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!NAME.test(name!)) throw new Error(`bad metric name: ${line}`);
      if (current && current.name !== name) closed.add(current.name);
      if (closed.has(name!)) throw new Error(`family ${name} appears twice: ${line}`);
      let f = families.get(name!);
      if (!f) families.set(name!, (f = { name: name!, type: "untyped", help: undefined, samples: [] }));
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest ?? "")) throw new Error(`bad type: ${line}`);
        if (f.samples.length) throw new Error(`TYPE after samples: ${line}`);
        f.type = rest as Family["type"];
      } else f.help = rest ?? "";
      current = f;
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const name = m[1]!;
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (m[2]) {
      const [l, used] = parseLabels(rest.slice(1), line);
      labels = l;
      rest = rest.slice(1 + used);
    }
    const parts = rest.split(" ");
    if (parts[0] !== "" || parts.length < 2 || parts.length > 3) throw new Error(`bad value part: ${line}`);
    const value = parseValue(parts[1]!, line);
    if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) throw new Error(`bad timestamp: ${line}`);
    if (!current) throw new Error(`sample before any # TYPE: ${line}`);
    if (!SUFFIXES[current.type].some((s) => name === current!.name + s))
      throw new Error(`sample ${name} outside its family ${current.name}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice: ${line}`);
    seen.add(key);
    current.samples.push({ name, labels, value });
  }
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (s.name.endsWith("_bucket") && le === undefined) throw new Error(`${f.name}: bucket without le`);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
    const count = samples.find((s) => s.name === `${f.name}_count`);
    let last = -Infinity;
    let prev = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le!, b.labels.le!);
      if (le <= last) throw new Error(`${f.name}: buckets out of order`);
      if (b.value < prev) throw new Error(`${f.name}: buckets not cumulative`);
      last = le;
      prev = b.value;
    }
    if (last !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
    if (!count || count.value !== prev) throw new Error(`${f.name}: _count differs from the +Inf bucket`);
  }
}

/** The value of one series (labels must match exactly the given ones, other labels absent); undefined: none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values())
    for (const s of f.samples)
      if (
        s.name === name &&
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v)
      )
        return s.value;
  return undefined;
}
