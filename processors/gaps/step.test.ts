import { beforeAll, describe, expect, it } from 'vitest';
import { loadContractLibrary, type ContractLibrary } from '../contracts/load.ts';
import { createCareGapsStep } from './step.ts';
import type { DecodedPersonEvent } from './facts.ts';
import type { PersonState } from './state.ts';

let library: ContractLibrary;
beforeAll(async () => {
  library = await loadContractLibrary('contracts');
});

const demo: DecodedPersonEvent = {
  personId: 'P1',
  recordId: 'MR|NORTHCLINIC|1',
  kind: 'CLINICAL_EVENT',
  sourceTopic: 'clinical.event.v1',
  sourcePartition: 0,
  sourceOffset: 1,
  at: 0,
  source: {
    eventId: 'e1',
    kind: 'PATIENT',
    sourceSystem: 'EPIC',
    recordedAt: 0,
    occurredAt: null,
    payload: { 'org.gapstream.v1.PatientPayload': { birthDate: '1960-01-01', sex: 'F', deathDate: null } },
  },
};

describe('care-gaps step', () => {
  it('never evaluates back in time: a late record does not re-open the previous period', () => {
    const step = createCareGapsStep({ catalog: library });
    const ctx = (timestamp: number) => ({
      key: 'P1',
      timestamp,
      source: { topic: 'person.event.v1', partition: 0, offset: 1 },
    });
    const first = step.process(undefined, demo, ctx(Date.UTC(2027, 0, 2)));
    expect(first.state?.lastAsOf).toBe('2027-01-02');
    const late = step.process(first.state, demo, ctx(Date.UTC(2026, 11, 31, 23, 59)));
    expect((late.state as PersonState).lastAsOf).toBe('2027-01-02');
  });

  it('the timer is due on the next check date and not before', () => {
    const step = createCareGapsStep({ catalog: library });
    const state = step.process(undefined, demo, {
      key: 'P1',
      timestamp: Date.UTC(2026, 5, 1),
      source: { topic: 'person.event.v1', partition: 0, offset: 1 },
    }).state!;
    expect(state.nextCheck).toBe('2026-07-01'); // the commercial contract's next version
    expect(step.timer.due(state, Date.UTC(2026, 5, 30, 12))).toBe(false);
    expect(step.timer.due(state, Date.UTC(2026, 6, 1, 0, 1))).toBe(true);
  });
});
