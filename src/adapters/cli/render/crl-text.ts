/** Wording shared by the CRL commands. */
export const entries = (n: number): string => `${n} ${n === 1 ? "entry" : "entries"}`;
