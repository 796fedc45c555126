/**
 * The duplicate index: which (MSH-3, MSH-4, MSH-10) were accepted, with the SHA-256 of each
 * payload, for a time window. Senders resend on timeout, AE or a dropped connection
 * (domain-facts.md §2.3), so a message can arrive again after it was stored; HL7 leaves
 * de-duplication to the receiver. Entries are in insertion (≈ arrival) order, so expiry and the
 * size cap drop from the front.
 */

export interface DuplicateEntry {
  hashes: string[];
  at: number;
  /** Set while the first copy's durable write is still in flight: resolves true when it stored. */
  pending: Promise<boolean> | null;
}

export type DuplicateVerdict =
  | { kind: 'new' }
  /** Same id, same payload, already stored (or being stored: await `pending`). */
  | { kind: 'same'; pending: Promise<boolean> | null }
  /** Same id, a payload never seen under it: HL7 forbids reuse, publish flagged. */
  | { kind: 'reused' };

export function duplicateKey(app: string | null, facility: string | null, controlId: string): string {
  return `${app ?? ''}\u0000${facility ?? ''}\u0000${controlId}`;
}

export class DuplicateIndex {
  private readonly entries = new Map<string, DuplicateEntry>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  check(key: string, hash: string, now: number): DuplicateVerdict {
    this.expire(now);
    const e = this.entries.get(key);
    if (e === undefined) return { kind: 'new' };
    if (e.hashes.includes(hash)) return { kind: 'same', pending: e.pending };
    return { kind: 'reused' };
  }

  /** Records an accepted payload whose write is in flight; `stored` settles with the outcome. */
  begin(key: string, hash: string, now: number, stored: Promise<boolean>): void {
    const existing = this.entries.get(key);
    const entry: DuplicateEntry = existing ?? { hashes: [], at: now, pending: null };
    if (!entry.hashes.includes(hash)) entry.hashes.push(hash);
    entry.pending = stored;
    entry.at = now;
    this.entries.delete(key);
    this.entries.set(key, entry);
    void stored.then((ok) => {
      if (entry.pending === stored) entry.pending = null;
      if (!ok) {
        // Not stored: forget this payload so a resend is published, not re-ACKed.
        entry.hashes = entry.hashes.filter((h) => h !== hash);
        if (entry.hashes.length === 0 && this.entries.get(key) === entry) this.entries.delete(key);
      }
    });
    this.cap();
  }

  /** Adds an entry known to be stored (start-up rebuild from hl7.raw.v1). */
  restore(key: string, hash: string, at: number): void {
    const e = this.entries.get(key);
    if (e) {
      if (!e.hashes.includes(hash)) e.hashes.push(hash);
      e.at = Math.max(e.at, at);
    } else this.entries.set(key, { hashes: [hash], at, pending: null });
    this.cap();
  }

  private expire(now: number): void {
    const limit = now - this.windowMs;
    for (const [k, e] of this.entries) {
      if (e.at >= limit) break;
      if (e.pending !== null) break;
      this.entries.delete(k);
    }
  }

  private cap(): void {
    while (this.entries.size > this.maxEntries) {
      const first = this.entries.keys().next();
      if (first.done === true) break;
      this.entries.delete(first.value);
    }
  }
}
