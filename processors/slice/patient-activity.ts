import {
  jsonState,
  type StatefulStep,
  type StepContext,
  type StepOutput,
} from '../../runtime/runner/step.ts';

/** The parts of a `clinical.event.v1` value this step reads. */
export interface ClinicalEventValue {
  eventId: string;
  recordedAt: number;
}

/** Per-patient state: how many events, first and last seen (record time, not a clock). */
export interface PatientActivity {
  count: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

/**
 * The thin slice's stateful step: counts clinical events per patient key and emits the running
 * count with every event (`patient.activity.v1`). Small on purpose, it exercises the state store,
 * its changelog and exactly-once commits: after any crash, the counts of one key must read
 * 1, 2, 3, … with no gap and no repeat.
 */
export const patientActivity: StatefulStep<PatientActivity, ClinicalEventValue> = {
  kind: 'stateful',
  name: 'slice-patient-activity',
  input: 'clinical.event.v1',
  outputs: ['patient.activity.v1'],
  ...jsonState,
  process(state, event, ctx: StepContext): { state: PatientActivity; outputs: StepOutput[] } {
    const next: PatientActivity = {
      count: (state?.count ?? 0) + 1,
      firstSeenAt: state?.firstSeenAt ?? ctx.timestamp,
      lastSeenAt: ctx.timestamp,
    };
    return {
      state: next,
      outputs: [
        {
          topic: 'patient.activity.v1',
          key: ctx.key,
          value: {
            patientKey: ctx.key ?? '',
            eventId: event.eventId,
            eventCount: next.count,
            firstSeenAt: next.firstSeenAt,
            lastSeenAt: next.lastSeenAt,
          },
        },
      ],
    };
  },
};
