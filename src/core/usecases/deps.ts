import type { CaRepository } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/key-store.js";
import type { Random } from "../ports/random.js";

/** What CA use cases need; the composition root wires real adapters, tests may fix clock and random. */
export interface CaDeps {
  cas: CaRepository;
  keys: KeyStore;
  clock: Clock;
  random: Random;
}
