/** Randomness is injected (serial numbers), so tests can fix it. */
export interface Random {
  bytes(n: number): Buffer;
}
