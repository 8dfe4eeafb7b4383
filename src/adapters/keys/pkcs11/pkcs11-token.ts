/**
 * A token: found by label or slot index, logged in once per process, and used through a pool of
 * read-write sessions. The login belongs to the application and token, not to a session (PKCS#11 v2.40
 * §5.6: every session of the application shares it), so one C_Login covers the pool; it lasts while one
 * session stays open, so pooled sessions are never closed except broken ones. A session runs one
 * operation at a time (a second C_SignInit is CKR_OPERATION_ACTIVE), hence the pool: concurrent
 * signatures each take a free session, run on libuv threads, and give it back.
 */
import { TscaError } from "../../../core/errors.js";
import { ckrOf, isDeviceFailure, tokenError } from "./pkcs11-errors.js";
import type { Pkcs11Module } from "./pkcs11-module.js";

/** Where a token is: its label, or its index in the list of slots with a token; neither: the first token. */
export interface TokenRef {
  token?: string;
  slot?: number;
}

/** The user PIN as the settings give it (see Pkcs11Settings). */
export interface PinSource {
  configured(): string | undefined;
  ask(): Promise<string>;
}

/**
 * Sessions per token, opened as needed. As many as the signatures an issuing process has in flight (32 in
 * the benchmark): signatures then queue on libuv's threads while the event loop commits a batch, and
 * complete together, so that group commit (adapters/db/group-commit.ts) stores them in one transaction.
 * With 4 sessions, stored issuance on SoftHSM2 was 1,300/s; with 32, 2,300/s (bench/pkcs11-issuance.mjs).
 */
const POOL_SIZE = 32;

interface Waiter {
  resolve(session: Buffer): void;
  reject(e: unknown): void;
}

export class Pkcs11Token {
  private readonly free: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  private open = 0;
  private login: Promise<void> | undefined;

  constructor(
    readonly module: Pkcs11Module,
    readonly slot: Buffer,
    /** The token's label (CK_TOKEN_INFO.label without its blank padding). */
    readonly label: string,
  ) {}

  /**
   * Log the user in, once for this token and process. `configuredOnly`: use only a PIN the settings hold
   * (recovery must never prompt) and return false without one. A wrong or locked PIN stays the answer for
   * this process: the PIN source is asked at most once.
   */
  async ensureLogin(pin: PinSource, configuredOnly = false): Promise<boolean> {
    if (!this.login) {
      const { p11, c } = this.module;
      let flags: number;
      try {
        flags = p11.C_GetTokenInfo(this.slot).flags;
      } catch (e) {
        throw tokenError(e, this.label, "reading its state");
      }
      if (!(flags & c.CKF_LOGIN_REQUIRED)) this.login = Promise.resolve();
      else {
        const configured = pin.configured();
        if (configured === undefined && configuredOnly) return false;
        this.login = (async () => {
          const value = configured ?? (await pin.ask());
          await this.withSession((s) => {
            try {
              p11.C_Login(s, c.CKU_USER, value);
            } catch (e) {
              const rv = ckrOf(e);
              if (rv === c.CKR_USER_ALREADY_LOGGED_IN) return;
              if (rv === c.CKR_PIN_LOCKED)
                throw new TscaError("ERR_PKCS11_PIN_WRONG", `PKCS#11 token "${this.label}" refused the user PIN: the PIN is locked.`, {
                  cause: e,
                });
              if (rv === c.CKR_PIN_INCORRECT || rv === c.CKR_PIN_LEN_RANGE || rv === c.CKR_PIN_INVALID)
                throw new TscaError("ERR_PKCS11_PIN_WRONG", `PKCS#11 token "${this.label}" refused the user PIN: wrong PIN.`, { cause: e });
              throw e;
            }
          }, "logging in");
        })();
        // Only a refused or missing PIN is final; a failing device may work on the next attempt.
        this.login.catch((e: unknown) => {
          const code = (e as { code?: string }).code;
          if (code !== "ERR_PKCS11_PIN_WRONG" && code !== "ERR_PKCS11_PIN_REQUIRED") this.login = undefined;
        });
      }
    }
    await this.login;
    return true;
  }

  /**
   * Run `fn` on a session of its own. A device failure (token removed, module error, session gone) is
   * ERR_PKCS11_DEVICE and the session is dropped; other Cryptoki errors reach the caller as they are.
   */
  async withSession<T>(fn: (session: Buffer) => T | Promise<T>, doing: string): Promise<T> {
    const session = await this.acquire(doing);
    let broken = false;
    try {
      return await fn(session);
    } catch (e) {
      if (isDeviceFailure(this.module.c, e)) {
        broken = true;
        throw tokenError(e, this.label, doing);
      }
      throw e;
    } finally {
      this.release(session, broken);
    }
  }

  private openSession(doing: string): Buffer {
    const { p11, c } = this.module;
    try {
      const s = p11.C_OpenSession(this.slot, c.CKF_SERIAL_SESSION | c.CKF_RW_SESSION);
      this.open++;
      return s;
    } catch (e) {
      throw tokenError(e, this.label, doing);
    }
  }

  private acquire(doing: string): Promise<Buffer> {
    const s = this.free.pop();
    if (s) return Promise.resolve(s);
    if (this.open < POOL_SIZE) {
      try {
        return Promise.resolve(this.openSession(doing));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(session: Buffer, broken: boolean): void {
    if (broken) {
      this.open--;
      try {
        this.module.p11.C_CloseSession(session);
      } catch {
        // already invalid: nothing to close
      }
      // With the last session the login is gone too (PKCS#11 v2.40 §5.6): log in again next time.
      if (this.open === 0 && this.free.length === 0) this.login = undefined;
      const next = this.waiters.shift();
      if (next)
        try {
          next.resolve(this.openSession("opening a session"));
        } catch (e) {
          next.reject(e);
        }
      return;
    }
    const next = this.waiters.shift();
    if (next) next.resolve(session);
    else this.free.push(session);
  }
}

const tokens = new Map<string, Pkcs11Token>();

/** The tokens of `module`, initialised ones only, in the order of its slot list. */
function listTokens(m: Pkcs11Module): { index: number; token: Pkcs11Token | undefined }[] {
  const { p11, c } = m;
  let slots: Buffer[];
  try {
    slots = p11.C_GetSlotList(true);
  } catch (e) {
    throw tokenError(e, m.library, "listing its slots");
  }
  return slots.map((slot, index) => {
    const key = `${m.library}\0${slot.toString("hex")}`;
    let token = tokens.get(key);
    if (!token) {
      let info;
      try {
        info = p11.C_GetTokenInfo(slot);
      } catch {
        return { index, token: undefined }; // removed between the two calls
      }
      if (!(info.flags & c.CKF_TOKEN_INITIALIZED)) return { index, token: undefined };
      token = new Pkcs11Token(m, slot, info.label.trimEnd());
      tokens.set(key, token);
    }
    return { index, token };
  });
}

/** The token `ref` names; ERR_PKCS11_TOKEN_NOT_FOUND when no initialised token matches. */
export function findToken(m: Pkcs11Module, ref: TokenRef): Pkcs11Token {
  const all = listTokens(m);
  let found: Pkcs11Token | undefined;
  let what: string;
  if (ref.token !== undefined) {
    found = all.find((t) => t.token?.label === ref.token)?.token;
    what = `with label "${ref.token}"`;
  } else if (ref.slot !== undefined) {
    found = all[ref.slot]?.token;
    what = `in slot ${ref.slot} (counting slots with a token from 0)`;
  } else {
    found = all.find((t) => t.token)?.token;
    what = "at all";
  }
  if (!found) throw new TscaError("ERR_PKCS11_TOKEN_NOT_FOUND", `${m.library}: no initialised PKCS#11 token ${what}.`);
  return found;
}

/** Every initialised token of `m` (recovery scans them all when no token is named). */
export function allTokens(m: Pkcs11Module): Pkcs11Token[] {
  return listTokens(m).flatMap((t) => (t.token ? [t.token] : []));
}
