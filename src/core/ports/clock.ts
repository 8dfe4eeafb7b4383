/** Time is injected so that golden transcripts and validity checks are reproducible in tests. */
export interface Clock {
  now(): Date;
}
