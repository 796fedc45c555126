/**
 * Routers: stateless steps, one per source topic, that turn canonical events into identity
 * requests on the single-partition `identity.request.v1` topic (the single writer's input).
 * They scale with their source partitions; only the resolver behind them is serialized.
 */
import type { StatelessStep, StepContext, StepOutput } from '../../runtime/runner/step.ts';
import { CLINICAL_PAYLOAD_BRANCH } from '../../schemas/clinical-payload.ts';
import type { IdentityInput, SourceId } from './types.ts';

export const IDENTITY_REQUEST_TOPIC = 'identity.request.v1';
export const PERSON_EVENT_TOPIC = 'person.event.v1';
export const IDENTITY_LINK_TOPIC = 'identity.link.v1';

type RoutedKind = 'CLINICAL_EVENT' | 'CLAIM_LINE' | 'ROSTER_MEMBER';

/** identity.request.v1 value shape (schemas/identity.request.v1.avsc). */
export interface IdentityRequest {
  kind: 'OBSERVATION' | 'MERGE' | 'DECISION';
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: number | null;
  eventKind: RoutedKind | null;
  payload: Buffer | null;
  observation: Observation | null;
  merge: { survivor: SourceId; prior: SourceId[]; method: 'MERGE_MESSAGE' | 'CROSSWALK' } | null;
  decision: {
    action: 'LINK' | 'REJECT' | 'UNLINK';
    recordId: string;
    otherRecordId: string | null;
    decidedBy: string;
    reason: string | null;
  } | null;
}

/** The observation branch: every demographic field present (null when missing). */
export type Observation = Required<Omit<IdentityInput, 'others'>> & { others: SourceId[] };

const DEMOGRAPHICS = [
  'given',
  'family',
  'middle',
  'birthDate',
  'sex',
  'street',
  'street2',
  'city',
  'state',
  'postalCode',
  'phone',
  'email',
  'ssn',
] as const;

/** An observation with every field present (the Avro record has no optional fields). */
export function observation(input: IdentityInput): Observation {
  const o = { primary: input.primary, others: input.others ?? [] } as Observation;
  for (const k of DEMOGRAPHICS) (o as unknown as Record<string, string | null>)[k] = input[k] ?? null;
  return o;
}

function request(
  ctx: StepContext,
  eventKind: RoutedKind | null,
  fields: Partial<IdentityRequest>,
): StepOutput {
  const value: IdentityRequest = {
    kind: 'OBSERVATION',
    sourceTopic: ctx.source.topic,
    sourcePartition: ctx.source.partition,
    sourceOffset: ctx.source.offset,
    eventKind,
    payload: eventKind === null ? null : (ctx.rawValue ?? null),
    observation: null,
    merge: null,
    decision: null,
    ...fields,
  };
  return { topic: IDENTITY_REQUEST_TOPIC, key: null, value };
}

// ---- clinical.event.v1 ----------------------------------------------------------------------

interface PatientIdentifier {
  value: string;
  assigningAuthority: string | null;
  idType: string | null;
}

interface ClinicalEvent {
  kind: string;
  sourceFacility: string | null;
  sourceSystem: string | null;
  patientIdentifiers: PatientIdentifier[];
  payload: Record<string, Record<string, unknown>>;
}

// CMS MBI format (CMS "Understanding the MBI" format sheet): C A AN N A AN N A A N N, no S L O I B Z.
const MBI =
  /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}$/;

/**
 * HL7 identifier -> source id. An MBI from CMS is filed as {MBI, CMS} whatever CX.5 the feed
 * used (MB, MC, MA), so it links deterministically to CCLF claims and rosters.
 */
function hl7Id(id: PatientIdentifier, ev: ClinicalEvent): SourceId {
  const system = id.assigningAuthority ?? ev.sourceFacility ?? ev.sourceSystem ?? 'UNKNOWN';
  const value = id.value.trim();
  if (/^(CMS|MEDICARE)$/i.test(system) && MBI.test(value.toUpperCase()))
    return { type: 'MBI', system: 'CMS', value: value.toUpperCase() };
  return { type: id.idType ?? 'PI', system, value };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** clinical.event.v1 -> an observation (PATIENT carries demographics) or a merge (MERGE). */
export function routeClinicalEvent(ev: ClinicalEvent, ctx: StepContext): StepOutput[] {
  const ssn = ev.patientIdentifiers.find((i) => i.idType === 'SS');
  const ids = ev.patientIdentifiers.filter((i) => i.idType !== 'SS').map((i) => hl7Id(i, ev));
  const [primary, ...others] = ids;
  if (primary === undefined)
    throw new Error(
      `clinical event ${ctx.source.topic}/${ctx.source.partition}/${ctx.source.offset} has no patient identifier`,
    );
  if (ev.kind === 'MERGE') {
    const m = ev.payload[CLINICAL_PAYLOAD_BRANCH.MERGE] as { priorIdentifiers: PatientIdentifier[] };
    return [
      request(ctx, 'CLINICAL_EVENT', {
        kind: 'MERGE',
        merge: {
          survivor: primary,
          prior: m.priorIdentifiers.map((i) => hl7Id(i, ev)),
          method: 'MERGE_MESSAGE',
        },
      }),
    ];
  }
  const p = ev.kind === 'PATIENT' ? ev.payload[CLINICAL_PAYLOAD_BRANCH.PATIENT] : undefined;
  // The payer member id the EMR holds (IN1, per feed profile) is the same key payer claims and
  // rosters are filed under: carrying it links them deterministically, as integrations do.
  const coverage = ev.kind === 'COVERAGE' ? ev.payload[CLINICAL_PAYLOAD_BRANCH.COVERAGE] : undefined;
  const insured = str(coverage?.memberId);
  const input: IdentityInput = {
    primary,
    others: insured === null ? others : [...others, memberId(insured, 'PAYER_MEMBER_ID', null)],
    given: str(p?.givenName),
    family: str(p?.familyName),
    middle: str(p?.middleName),
    birthDate: str(p?.birthDate),
    sex: str(p?.sex),
    postalCode: str(p?.postalCode),
    phone: str(p?.phone),
    ssn: ssn?.value ?? null,
  };
  return [request(ctx, 'CLINICAL_EVENT', { observation: observation(input) })];
}

// ---- claims and rosters ----------------------------------------------------------------------

/**
 * Member id -> source id. MBIs are CMS's; a payer member id is namespaced by the contract its
 * file is bound to when there is one, else by "PAYER" (one payer namespace per deployment).
 */
function memberId(value: string, type: string, contractId: string | null | undefined): SourceId {
  switch (type) {
    case 'MBI':
    case 'HICN':
      return { type, system: 'CMS', value };
    case 'MRN':
      return { type: 'MR', system: contractId ?? 'PAYER', value };
    case 'PAYER_MEMBER_ID':
      return { type: 'MB', system: contractId ?? 'PAYER', value };
    default:
      return { type: 'PI', system: contractId ?? 'PAYER', value };
  }
}

interface ClaimLine {
  memberId: string;
  memberIdType: string;
}

/** claim.line.v1 -> an observation by member id only (claims carry no demographics). */
export function routeClaimLine(line: ClaimLine, ctx: StepContext): StepOutput[] {
  return [
    request(ctx, 'CLAIM_LINE', {
      observation: observation({ primary: memberId(line.memberId, line.memberIdType, null) }),
    }),
  ];
}

interface RosterMember {
  memberId: string;
  memberIdType: string;
  contractId: string | null;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  birthDate: string | null;
  sex: string | null;
  postalCode: string | null;
  phone: string | null;
  mrn: string | null;
  mrnAssigningAuthority: string | null;
}

/** roster.member.v1 -> an observation with the roster's demographics (and the MRN it carries). */
export function routeRosterMember(m: RosterMember, ctx: StepContext): StepOutput[] {
  // Claims and rosters share the member-id namespace only without a contract binding; keep them
  // joinable by filing payer ids under "PAYER" as claims do (docs/identity.md, "identifiers").
  const input: IdentityInput = {
    primary: memberId(m.memberId, m.memberIdType, null),
    // A roster line that carries the practice's MRN links member id and MRN deterministically.
    others: m.mrn ? [{ type: 'MR', system: m.mrnAssigningAuthority ?? 'PAYER', value: m.mrn }] : [],
    given: m.givenName,
    family: m.familyName,
    middle: m.middleName,
    birthDate: m.birthDate,
    sex: m.sex,
    postalCode: m.postalCode,
    phone: m.phone,
  };
  return [request(ctx, 'ROSTER_MEMBER', { observation: observation(input) })];
}

interface MemberXref {
  currentId: string;
  previousId: string;
  idType: string;
}

/** member.xref.v1 (CCLF9) -> a merge: the previous MBI is retired into the current one. */
export function routeMemberXref(x: MemberXref, ctx: StepContext): StepOutput[] {
  const type = x.idType === 'OTHER' ? 'PI' : x.idType;
  return [
    request(ctx, null, {
      kind: 'MERGE',
      merge: {
        survivor: { type, system: 'CMS', value: x.currentId },
        prior: [{ type, system: 'CMS', value: x.previousId }],
        method: 'CROSSWALK',
      },
    }),
  ];
}

function router<I>(
  name: string,
  input: string,
  route: (v: I, ctx: StepContext) => StepOutput[],
): StatelessStep<I> {
  return { kind: 'stateless', name, input, outputs: [IDENTITY_REQUEST_TOPIC], process: route };
}

/** The four routers, one per source topic. */
export function identityRouters(): StatelessStep<never>[] {
  return [
    router('identity-route-clinical', 'clinical.event.v1', routeClinicalEvent),
    router('identity-route-claims', 'claim.line.v1', routeClaimLine),
    router('identity-route-roster', 'roster.member.v1', routeRosterMember),
    router('identity-route-xref', 'member.xref.v1', routeMemberXref),
  ] as StatelessStep<never>[];
}
