/**
 * The resolver's step: one identity request applied to the index, and the records it implies
 * (person.event.v1 re-keyed by person, identity.link.v1 for every change). Pure apart from the
 * index it is handed; the runner (resolver.ts) owns I/O, transactions and the changelog.
 */
import type { Decision, IdentityIndex, LinkEvent, Resolution } from './identity-index.ts';
import type { IdentityRequest } from './route.ts';

/** identity.link.v1 value. */
export interface LinkValue extends LinkEvent {
  eventId: string;
  requestId: string;
  at: number;
}

/** person.event.v1 value. */
export interface PersonEventValue {
  personId: string;
  recordId: string;
  kind: 'CLINICAL_EVENT' | 'CLAIM_LINE' | 'ROSTER_MEMBER' | 'IDENTITY';
  sourceTopic: string;
  sourcePartition: number | null;
  sourceOffset: number | null;
  payload: Buffer;
  at: number;
}

export interface StepResult {
  links: LinkValue[];
  persons: PersonEventValue[];
}

export { BadIdentityRequestError } from './errors.ts';
import { BadIdentityRequestError } from './errors.ts';

function decisionOf(d: NonNullable<IdentityRequest['decision']>): Decision {
  const reason = d.reason ?? undefined;
  if (d.action === 'UNLINK')
    return { action: 'unlink', recordId: d.recordId, decidedBy: d.decidedBy, reason };
  if (d.otherRecordId === null)
    throw new BadIdentityRequestError(
      `identity decision ${d.action} on record ${d.recordId} needs otherRecordId`,
    );
  return {
    action: d.action === 'LINK' ? 'link' : 'reject',
    recordId: d.recordId,
    otherRecordId: d.otherRecordId,
    decidedBy: d.decidedBy,
    reason,
  };
}

/** Applies one request; `requestId` is its position in identity.request.v1, `at` its append time. */
export function applyRequest(
  index: IdentityIndex,
  req: IdentityRequest,
  requestId: string,
  at: number,
): StepResult {
  let resolution: Resolution | undefined;
  let events: LinkEvent[];
  switch (req.kind) {
    case 'OBSERVATION':
      if (req.observation === null)
        throw new BadIdentityRequestError('OBSERVATION request without an observation');
      resolution = index.observe(req.observation, requestId);
      events = resolution.events;
      break;
    case 'MERGE':
      if (req.merge === null) throw new BadIdentityRequestError('MERGE request without a merge');
      resolution = index.merge(req.merge.survivor, req.merge.prior, req.merge.method, requestId);
      events = resolution.events;
      break;
    case 'DECISION': {
      if (req.decision === null) throw new BadIdentityRequestError('DECISION request without a decision');
      const d = decisionOf(req.decision);
      for (const id of d.action === 'unlink' ? [d.recordId] : [d.recordId, d.otherRecordId])
        if (index.personOf(id) === undefined)
          throw new BadIdentityRequestError(
            `identity decision names record ${id}, which the index does not hold`,
          );
      events = index.decide(d, requestId);
      break;
    }
  }
  const links = events.map((e, i): LinkValue => ({ ...e, eventId: `${requestId}#${i}`, requestId, at }));
  const persons: PersonEventValue[] = [];
  if (
    resolution !== undefined &&
    req.payload !== null &&
    req.eventKind !== null &&
    req.sourceTopic !== null
  ) {
    persons.push({
      personId: resolution.personId,
      recordId: resolution.recordId,
      kind: req.eventKind,
      sourceTopic: req.sourceTopic,
      sourcePartition: req.sourcePartition,
      sourceOffset: req.sourceOffset,
      payload: req.payload,
      at,
    });
  }
  return { links, persons };
}

/** Link events that move history between persons: sent to both persons' partitions. */
export function movesHistory(link: LinkValue): boolean {
  return (link.kind === 'MERGE' || link.kind === 'SPLIT') && link.otherPersonId !== null;
}
