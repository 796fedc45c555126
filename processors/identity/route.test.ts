import { describe, expect, it } from 'vitest';
import { clinicalPayload } from '../../schemas/clinical-payload.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { routeClinicalEvent } from './route.ts';

const ctx: StepContext = {
  source: { topic: 'clinical.event.v1', partition: 0, offset: 7 },
  key: 'k',
  timestamp: 0,
};

const coverage = (memberId: string | null): Parameters<typeof routeClinicalEvent>[0] =>
  ({
    eventId: 'ev-7',
    kind: 'COVERAGE',
    sourceSystem: 'EPIC',
    sourceFacility: 'NORTHCLINIC',
    sourceMessageControlId: 'M7',
    patientIdentifiers: [{ value: '77', assigningAuthority: 'NORTHCLINIC', idType: 'MR' }],
    occurredAt: null,
    recordedAt: 0,
    payload: clinicalPayload('COVERAGE', {
      planId: 'EXHCOM',
      payerId: 'EXH01',
      payerName: 'EXAMPLE HEALTH PLAN',
      groupNumber: null,
      memberId,
      planType: null,
      effectiveDate: null,
      expirationDate: null,
    }),
  }) as unknown as Parameters<typeof routeClinicalEvent>[0];

const others = (memberId: string | null): unknown[] =>
  (routeClinicalEvent(coverage(memberId), ctx)[0]!.value as { observation: { others: unknown[] } })
    .observation.others;

describe('routeClinicalEvent', () => {
  it('carries the insurance member id of a COVERAGE event as the payer record claims and rosters use', () => {
    expect(others('EXH0012345')).toEqual([{ type: 'MB', system: 'PAYER', value: 'EXH0012345' }]);
  });

  it('adds nothing when the coverage has no member id', () => {
    expect(others(null)).toEqual([]);
  });
});
