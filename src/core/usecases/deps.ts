import type { CaRepository } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { Random } from "../ports/random.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { Defaults } from "./defaults.js";

/** What CA use cases need; the composition root wires real adapters, tests may fix clock and random. */
export interface CaDeps {
  cas: CaRepository;
  /** Key stores by backend name: a CA's key is opened in the one its row names. */
  keys: KeyStoreRegistry;
  clock: Clock;
  random: Random;
}

/** What the use cases that store and record a change need on top: the unit of work and the bound defaults. */
export interface WriteDeps {
  uow: UnitOfWork;
  defaults: Defaults;
}
