/**
 * Incremental equals recompute: random person histories (demographics, claims, lab results with
 * corrections, roster lines, identity merges) processed one event at a time in one arrival order
 * that Kafka allows (per-person order kept, persons interleaved at random, transfers delivered
 * late), then folded from history in another such order and evaluated once: same facts, same
 * statuses.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContractLibrary, type ContractLibrary } from '../contracts/load.ts';
import type { DecodedPersonEvent } from './facts.ts';
import { foldHistory, recompute } from './recompute.ts';
import { emptyState, type PersonState } from './state.ts';
import { CARE_TRANSFER_TOPIC, createCareGapsStep, type CareInput, type CareTransferValue } from './step.ts';

const AS_OF = '2026-11-25';
const T0 = Date.UTC(2026, 0, 5);
const PERSONS = ['P0', 'P1', 'P2', 'P3'];

let library: ContractLibrary;
beforeAll(async () => {
  library = await loadContractLibrary('contracts');
});

type Op =
  | { t: 'demo'; p: number; born: number; sex: 'F' | 'M' }
  | { t: 'visit'; p: number; day: number; ours: boolean; amount: number }
  | { t: 'code'; p: number; code: string; system: 'CPT' | 'ICD10CM' | 'HCPCS'; day: number }
  | { t: 'a1c'; p: number; order: number; value: number; status: 'F' | 'C' | 'P'; day: number; rec: number }
  | { t: 'roster'; p: number; ours: boolean; start: number }
  | { t: 'merge'; survivor: number; absorbed: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('demo' as const),
    p: fc.nat(3),
    born: fc.integer({ min: 1945, max: 2000 }),
    sex: fc.constantFrom('F' as const, 'M' as const),
  }),
  fc.record({
    t: fc.constant('visit' as const),
    p: fc.nat(3),
    day: fc.integer({ min: -400, max: 320 }),
    ours: fc.boolean(),
    amount: fc.integer({ min: 20, max: 300 }),
  }),
  fc
    .record({
      p: fc.nat(3),
      sc: fc.constantFrom(
        ['CPT', '77067'],
        ['CPT', '45378'],
        ['CPT', '82274'],
        ['ICD10CM', 'E119'],
        ['ICD10CM', 'I10'],
        ['ICD10CM', 'Z9013'],
        ['HCPCS', 'Q5001'],
        ['CPT', '3046F'],
        ['CPT', '3074F'],
        ['CPT', '3078F'],
        ['HCPCS', 'G0439'],
      ),
      day: fc.integer({ min: -4000, max: 320 }),
    })
    .map((r): Op => ({
      t: 'code',
      p: r.p,
      system: r.sc[0],
      code: r.sc[1],
      day: r.day,
    })),
  fc.record({
    t: fc.constant('a1c' as const),
    p: fc.nat(3),
    order: fc.nat(2),
    value: fc.double({ min: 5, max: 12, noNaN: true }).map((v) => Math.round(v * 10) / 10),
    status: fc.constantFrom('F' as const, 'C' as const, 'P' as const),
    day: fc.integer({ min: 0, max: 320 }),
    rec: fc.nat(1000),
  }),
  fc.record({
    t: fc.constant('roster' as const),
    p: fc.nat(3),
    ours: fc.boolean(),
    start: fc.integer({ min: -500, max: 200 }),
  }),
  fc.record({ t: fc.constant('merge' as const), survivor: fc.nat(3), absorbed: fc.nat(3) }),
);

const day = (d: number): string => new Date(T0 + d * 86_400_000).toISOString().slice(0, 10);

interface Keyed {
  key: string;
  input: CareInput;
}

/** Turns ops into person events keyed as the identity resolver would: a record belongs to its current person. */
function history(ops: readonly Op[]): Keyed[] {
  const owner = new Map(PERSONS.map((p, i) => [`R${i}`, p]));
  const out: Keyed[] = [];
  let offset = 0;
  const ev = (
    record: string,
    kind: DecodedPersonEvent['kind'],
    sourceTopic: string,
    source: Record<string, unknown>,
  ): void => {
    offset++;
    const key = owner.get(record)!;
    out.push({
      key,
      input: {
        personId: key,
        recordId: record,
        kind,
        sourceTopic,
        sourcePartition: 0,
        sourceOffset: offset,
        at: T0 + offset,
        source,
      },
    });
  };
  const claim = (
    record: string,
    proc: string | null,
    dx: string[],
    d: number,
    npi: string,
    tin: string,
    amount: number,
  ): void =>
    ev(record, 'CLAIM_LINE', 'claim.line.v1', {
      claimId: `C${offset}`,
      claimLineNumber: 1,
      serviceFromDate: day(d),
      fromDate: day(d),
      thruDate: day(d),
      procedureCode: proc,
      diagnosisCodes: dx,
      icdProcedureCodes: [],
      renderingNpi: npi,
      billingTin: tin,
      providerSpecialtyCode: '08',
      allowedAmount: amount.toFixed(2),
      placeOfService: '11',
      adjustmentTypeCode: '0',
    });
  for (const op of ops) {
    if (op.t === 'merge') {
      const survivor = PERSONS[op.survivor]!;
      const absorbed = PERSONS[op.absorbed]!;
      const moved = [...owner].filter(([, p]) => p === absorbed).map(([r]) => r);
      if (survivor === absorbed || moved.length === 0) continue;
      const link = {
        eventId: `identity.request.v1/0/${offset}#0`,
        kind: 'MERGE',
        personId: survivor,
        otherPersonId: absorbed,
        movedRecordIds: moved,
      };
      for (const key of [absorbed, survivor]) {
        offset++;
        out.push({
          key,
          input: {
            personId: key,
            recordId: moved[0]!,
            kind: 'IDENTITY',
            sourceTopic: 'identity.link.v1',
            sourcePartition: 0,
            sourceOffset: offset,
            at: T0 + offset,
            source: link,
          },
        });
      }
      for (const r of moved) owner.set(r, survivor);
      continue;
    }
    const record = `R${op.p}`;
    switch (op.t) {
      case 'demo':
        ev(record, 'CLINICAL_EVENT', 'clinical.event.v1', {
          eventId: `E${offset}`,
          kind: 'PATIENT',
          sourceSystem: 'EMR',
          recordedAt: T0 + offset,
          occurredAt: null,
          payload: {
            'org.gapstream.v1.PatientPayload': {
              birthDate: `${op.born}-06-15`,
              sex: op.sex,
              deathDate: null,
            },
          },
        });
        break;
      case 'visit':
        claim(
          record,
          '99214',
          [],
          op.day,
          op.ours ? '1234567893' : '1432109878',
          op.ours ? '123456789' : '999888777',
          op.amount,
        );
        break;
      case 'code':
        if (op.system === 'ICD10CM') claim(record, null, [op.code], op.day, '1234567893', '123456789', 0);
        else claim(record, op.code, [], op.day, '1234567893', '123456789', 10);
        break;
      case 'a1c':
        ev(record, 'CLINICAL_EVENT', 'clinical.event.v1', {
          eventId: `E${offset}`,
          kind: 'OBSERVATION',
          sourceMessageControlId: `M${offset}`,
          recordedAt: T0 + op.rec * 1000,
          occurredAt: null,
          payload: {
            'org.gapstream.v1.ObservationPayload': {
              code: { system: 'LN', code: '4548-4' },
              valueNumber: op.value,
              valueString: null,
              status: op.status,
              effectiveAt: T0 + op.day * 86_400_000,
              fillerOrderNumber: `ORD${op.order}`,
              subId: '1',
            },
          },
        });
        break;
      case 'roster':
        ev(record, 'ROSTER_MEMBER', 'roster.member.v1', {
          sourceFile: 'EXH_ROSTER_20260101.csv',
          lineNumber: offset,
          effectiveDate: day(op.start),
          termDate: null,
          pcpNpi: op.ours ? '1234567893' : '1432109878',
          pcpTin: op.ours ? '123456789' : '999888777',
          birthDate: null,
          sex: null,
          deathDate: null,
          contractId: null,
          lineOfBusiness: 'COMMERCIAL',
        });
        break;
    }
  }
  return out;
}

/** A random interleaving that keeps each person's order (what Kafka guarantees per key). */
function interleave<T extends { key: string }>(items: readonly T[], picks: readonly number[]): T[] {
  const queues = new Map<string, T[]>();
  for (const it of items) (queues.get(it.key) ?? queues.set(it.key, []).get(it.key)!).push(it);
  const out: T[] = [];
  let i = 0;
  while (out.length < items.length) {
    const keys = [...queues.keys()].filter((k) => queues.get(k)!.length > 0);
    const k = keys[(picks[i++ % Math.max(picks.length, 1)] ?? 0) % keys.length]!;
    out.push(queues.get(k)!.shift()!);
  }
  return out;
}

/** Runs the streaming step one record at a time; transfers wait in their topic and arrive later. */
function incremental(events: readonly Keyed[], picks: readonly number[]): Map<string, PersonState> {
  const step = createCareGapsStep({ catalog: library, asOf: AS_OF });
  const states = new Map<string, PersonState>();
  const pending: Keyed[] = [];
  const apply = (k: Keyed, offset: number): void => {
    const r = step.process(states.get(k.key), k.input, {
      key: k.key,
      timestamp: T0 + offset,
      source: { topic: 'x', partition: 0, offset },
    });
    if (r.state) states.set(k.key, r.state);
    else states.delete(k.key);
    for (const o of r.outputs) {
      if (o.topic === CARE_TRANSFER_TOPIC) pending.push({ key: o.key!, input: o.value as CareTransferValue });
    }
  };
  let n = 0;
  for (const k of interleave(events, picks)) {
    apply(k, n++);
    // Deliver some transfers now, others later, as another partition's consumer would.
    if (pending.length > 0 && (picks[n % picks.length] ?? 0) % 2 === 0) apply(pending.shift()!, n++);
  }
  while (pending.length > 0) apply(pending.shift()!, n++);
  return states;
}

const comparable = (s: PersonState | undefined): unknown => ({
  facts: Object.fromEntries(Object.entries(s?.facts ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))),
  gaps: Object.fromEntries(
    Object.entries(s?.gaps ?? {})
      .filter(([, m]) => m.status !== 'not-in-denominator')
      .map(([k, m]) => [k, [m.status, m.contractVersion, m.signature]]),
  ),
  attributed: Object.fromEntries(
    Object.entries(s?.attribution ?? {})
      .filter(([, a]) => a.attributed)
      .map(([k, a]) => [k, [a.npi, a.method]]),
  ),
});

describe('incremental state equals recompute', () => {
  it('for random histories in any per-person order Kafka allows', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 50 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 50 }),
        (ops, picksA, picksB) => {
          const events = history(ops);
          const live = incremental(events, picksA);
          const folded = foldHistory(interleave(events, picksB), library);
          const { states } = recompute(folded, new Map(), library, { asOf: AS_OF, at: T0 });
          for (const p of PERSONS) expect(comparable(states.get(p))).toEqual(comparable(live.get(p)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('recompute against the live state publishes nothing when nothing changed', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(1000), { minLength: 1 }),
        (ops, picks) => {
          const events = history(ops);
          const live = incremental(events, picks);
          const { changes } = recompute(foldHistory(events, library), live, library, { asOf: AS_OF, at: T0 });
          expect([...changes.values()].flatMap((c) => [...c.gaps, ...c.attributions])).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('an empty history recomputes to no state', () => {
    expect(
      recompute(new Map(), new Map([['P9', emptyState()]]), library, { asOf: AS_OF, at: T0 }).changes.size,
    ).toBe(0);
  });
});
