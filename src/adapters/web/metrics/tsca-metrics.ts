/**
 * The Prometheus metrics of `tsca serve` (issue 13), in a Registry of their own (never prom-client's global
 * one, so nothing else in the process can add to or reset them). Two kinds:
 *
 * - Counters and a histogram moved by OCSP traffic in this process. The hot path only increments plain
 *   numbers: a row of counts per CA (found by the URL's spelling in a Map) and a bucket array per answer
 *   source, so an answer costs a Map lookup and a few additions, never a label object or a string. prom-client
 *   15 hashes the labels on every inc()/observe(), even through a cached child (bench/ocsp.mjs with
 *   BENCH_METRICS=1 on a busy 2-core machine: 51 % / 59 % of the ceiling for cached GET / POST that way,
 *   76 % / 101 % with plain numbers), so the figures reach prom-client only at scrape time,
 *   in collect() (counters) and in a histogram metric whose get() reads the bucket arrays.
 * - Gauges filled at scrape time (`collect()`) from the database through OperationalFigures: signing
 *   requests per status and the oldest pending one, CRL age and time to nextUpdate per CA and scope,
 *   responder certificate time left, certificates issued and revoked per CA. One snapshot (four grouped
 *   queries) serves every gauge of a scrape. A database that fails sets tsca_metrics_database_up to 0 and
 *   leaves these gauges empty rather than failing the scrape.
 *
 * The CA label is the CA's serial (upper-case hex) as tsca spells it. It is only ever a CA that answered:
 * a URL spelling that has produced a successful answer is remembered (bounded), and every other answer —
 * malformed, unauthorized, a CA that does not exist — is labelled ca="none", so a client cannot create label
 * values (and memory) by inventing CA names.
 *
 * Cluster (`serve --workers N`): every worker has its own registry; the primary serves the sum through
 * prom-client's AggregatorRegistry (see clusterRegistry). The database gauges carry the aggregator "first"
 * (every worker reads the same database), counters and histograms are summed.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric, type MetricValueWithName } from "prom-client";
import { sanitizeSerial } from "../../../core/issuance/serial.js";
import type { OperationalFigures } from "../../../core/ports/operational-figures.js";
import type { OcspAnswer } from "../../../core/revocation/ocsp-responder.js";

/** What the OCSP routes report per answer: CA of the URL, the answer, and milliseconds spent on it. */
export interface OcspObserver {
  answered(caHex: string, answer: OcspAnswer, ms: number): void;
}

/** The `result` label: the certificate status of a successful one-CertID answer, else the OCSP status. */
const RESULTS = [
  "good",
  "revoked",
  "unknown",
  "multiple",
  "malformedRequest",
  "internalError",
  "tryLater",
  "sigRequired",
  "unauthorized",
] as const;
type Result = (typeof RESULTS)[number];
const RESULT_INDEX = Object.fromEntries(RESULTS.map((r, i) => [r, i])) as Record<Result, number>;

/** URL spellings remembered for the CA label; beyond this, new spellings count as ca="none". */
const MAX_CA_SPELLINGS = 1_000;
/** A snapshot of the database figures is shared by the gauges of one scrape (and scrapes this close). */
const SNAPSHOT_MS = 1_000;

/** Answer times in seconds: a cached answer takes microseconds, a signed one milliseconds, a slow database seconds. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Answers per result (RESULTS order) for one CA label. */
interface CaRow {
  ca: string;
  counts: Float64Array;
}

/** One histogram series kept as plain numbers: counts per bucket (the last is +Inf), sum and count. */
class Buckets {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

type Snapshot = Awaited<ReturnType<typeof readFigures>>;

async function readFigures(figures: OperationalFigures) {
  const [signing, crls, responders, certs] = await Promise.all([
    figures.signingRequests(),
    figures.latestCrls(),
    figures.responderExpiries(),
    figures.certificateCounts(),
  ]);
  return { signing, crls, responders, certs };
}

export interface TscaMetricsOptions {
  figures: OperationalFigures;
  /** Figures of the OCSP responder's memory, read at scrape time. */
  ocspCache?: () => { certificates: number; bytes: number };
  now?: () => number;
  /** Process metrics (collectDefaultMetrics): on by default; tests turn them off to keep output small. */
  processMetrics?: boolean;
}

export class TscaMetrics implements OcspObserver {
  readonly registry = new Registry();
  private readonly latency = { cache: new Buckets(), signed: new Buckets(), error: new Buckets() };
  private hits = 0;
  private misses = 0;
  private readonly byCaHex = new Map<string, CaRow>();
  private readonly rows = new Map<string, CaRow>();
  private readonly none: CaRow;
  private snapshot: { at: number; data: Promise<Snapshot | undefined> } | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: TscaMetricsOptions) {
    const registers = [this.registry];
    this.now = opts.now ?? Date.now;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });

    const requests: Counter = new Counter({
      name: "tsca_ocsp_requests_total",
      help: "OCSP answers by CA serial and result (good/revoked/unknown for one certificate, multiple, or the OCSP error status).",
      labelNames: ["ca", "result"],
      registers,
      collect: (): void => {
        requests.reset();
        for (const row of this.rows.values()) RESULTS.forEach((result, i) => requests.inc({ ca: row.ca, result }, row.counts[i]!));
      },
    });
    const hits: Counter = new Counter({
      name: "tsca_ocsp_cache_hits_total",
      help: "Successful OCSP answers served from memory (a response signed earlier).",
      registers,
      collect: (): void => {
        hits.reset();
        hits.inc(this.hits);
      },
    });
    const misses: Counter = new Counter({
      name: "tsca_ocsp_cache_misses_total",
      help: "Successful OCSP answers that had to be signed (first request, nonce, several CertIDs, or expired in memory).",
      registers,
      collect: (): void => {
        misses.reset();
        misses.inc(this.misses);
      },
    });
    this.registry.registerMetric(this.latencyMetric());
    this.none = { ca: "none", counts: new Float64Array(RESULTS.length) };
    this.rows.set("none", this.none);

    const up: Gauge = new Gauge({
      name: "tsca_metrics_database_up",
      help: "1 when the database figures of this scrape could be read, else 0 (the database gauges are then empty).",
      aggregator: "min",
      registers,
      collect: async (): Promise<void> => up.set((await this.figures()) ? 1 : 0),
    });
    this.databaseGauges(registers);
    if (opts.ocspCache) {
      const read = opts.ocspCache;
      const certificates: Gauge = new Gauge({
        name: "tsca_ocsp_cached_certificates",
        help: "Certificates whose status the OCSP responder holds in memory.",
        registers,
        collect: (): void => certificates.set(read().certificates),
      });
      const bytes: Gauge = new Gauge({
        name: "tsca_ocsp_cache_bytes",
        help: "Estimated bytes held by the OCSP responder's memory.",
        registers,
        collect: (): void => bytes.set(read().bytes),
      });
    }
  }

  /** The hot path: called once per OCSP answer. */
  answered(caHex: string, answer: OcspAnswer, ms: number): void {
    const ok = answer.status === "successful";
    const row = this.byCaHex.get(caHex) ?? (ok ? this.remember(caHex) : this.none);
    const result = ok ? (answer.certStatus ?? "multiple") : (answer.status as Exclude<OcspAnswer["status"], "successful">);
    row.counts[RESULT_INDEX[result]]!++;
    if (answer.source === "cache") this.hits++;
    else if (answer.source === "signed") this.misses++;
    this.latency[answer.source].observe(ms / 1000);
  }

  /** The text exposition (Prometheus format 0.0.4). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private remember(caHex: string): CaRow {
    if (this.byCaHex.size >= MAX_CA_SPELLINGS) return this.none;
    const serial = sanitizeSerial(caHex);
    if (!serial) return this.none;
    let row = this.rows.get(serial);
    if (!row) this.rows.set(serial, (row = { ca: serial, counts: new Float64Array(RESULTS.length) }));
    this.byCaHex.set(caHex, row);
    return row;
  }

  /**
   * tsca_ocsp_response_seconds as a metric object of prom-client's registry (registerMetric): get() turns
   * the bucket arrays into the histogram's series at scrape time, in the shape prom-client's own Histogram
   * returns, so the text format and the cluster aggregation ("sum") treat it alike.
   */
  private latencyMetric(): Metric {
    const name = "tsca_ocsp_response_seconds";
    const help = "Time to produce an OCSP answer in the handler, by source (cache: from memory; signed: signed now; error).";
    const get = (): object => {
      const values: MetricValueWithName<string>[] = [];
      for (const source of ["cache", "signed", "error"] as const) {
        const b = this.latency[source];
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          cumulative += b.counts[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { le, source }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { le: "+Inf", source }, value: b.count });
        values.push({ metricName: `${name}_sum`, labels: { source }, value: b.sum });
        values.push({ metricName: `${name}_count`, labels: { source }, value: b.count });
      }
      return { name, help, type: "histogram", aggregator: "sum", values };
    };
    return { name, help, get, reset: () => undefined } as unknown as Metric;
  }

  /** One database snapshot per scrape; undefined when the database could not be read. */
  private figures(): Promise<Snapshot | undefined> {
    const now = this.now();
    if (this.snapshot && now - this.snapshot.at < SNAPSHOT_MS) return this.snapshot.data;
    const data = readFigures(this.opts.figures).catch(() => undefined);
    this.snapshot = { at: now, data };
    return data;
  }

  private databaseGauges(registers: Registry[]): void {
    // "first": every cluster worker reads the same database, so summing would multiply the figures.
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Snapshot, now: number) => void): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        labelNames,
        aggregator: "first",
        registers,
        collect: async () => {
          const s = await this.figures();
          g.reset();
          if (s) fill(g, s, this.now());
        },
      });
    };
    const seconds = (ms: number): number => Math.round(ms / 1000);
    gauge("tsca_signing_requests", "Signing requests in the database by status.", ["status"], (g, s) => {
      for (const status of ["pending", "issued", "failed"]) g.set({ status }, s.signing.byStatus[status] ?? 0);
    });
    gauge(
      "tsca_signing_request_oldest_pending_age_seconds",
      "Age of the oldest pending signing request (0: none pending).",
      [],
      (g, s, now) => g.set(s.signing.oldestPendingAt ? seconds(now - s.signing.oldestPendingAt.getTime()) : 0),
    );
    gauge("tsca_crl_age_seconds", "Seconds since thisUpdate of the newest full CRL, per CA and scope.", ["ca", "scope"], (g, s, now) => {
      for (const c of s.crls) g.set({ ca: c.caSerial, scope: c.scope }, seconds(now - c.thisUpdate.getTime()));
    });
    gauge(
      "tsca_crl_next_update_seconds",
      "Seconds until nextUpdate of the newest full CRL, per CA and scope (negative: lapsed).",
      ["ca", "scope"],
      (g, s, now) => {
        for (const c of s.crls) g.set({ ca: c.caSerial, scope: c.scope }, seconds(c.nextUpdate.getTime() - now));
      },
    );
    gauge(
      "tsca_ocsp_responder_certificate_seconds_left",
      "Seconds until the OCSP responder certificate of each CA expires (negative: expired).",
      ["ca"],
      (g, s, now) => {
        for (const r of s.responders) g.set({ ca: r.caSerial }, seconds(r.notAfter.getTime() - now));
      },
    );
    gauge(
      "tsca_certificates_issued",
      "Certificates in the database per issuing CA (OCSP responder certificates not counted).",
      ["ca"],
      (g, s) => {
        for (const c of s.certs) g.set({ ca: c.caSerial }, c.issued);
      },
    );
    gauge(
      "tsca_certificates_revoked",
      "Revoked certificates in the database per issuing CA (OCSP responder certificates not counted).",
      ["ca"],
      (g, s) => {
        for (const c of s.certs) g.set({ ca: c.caSerial }, c.revoked);
      },
    );
  }
}
