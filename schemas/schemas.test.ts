import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from 'avsc';
import { BadRecordError, GapstreamError } from '../runtime/errors.ts';
import {
  CodecErrorCode,
  SCHEMA_DIR,
  clinicalPayload,
  createLocalCodec,
  frame,
  loadSchemas,
  type Codec,
} from './codec.ts';
import { EXAMPLES } from './examples.ts';

import { createAvroType, epochDaysToIsoDate, isoDateToEpochDays } from './logical-types.ts';

const TOPICS = [
  'attribution.change.v1',
  'care.transfer.v1',
  'claim.line.v1',
  'clinical.event.v1',
  'deadletter.v1',
  'dq.event.v1',
  'file.manifest.v1',
  'gap.change.v1',
  'hl7.raw.v1',
  'identity.link.v1',
  'identity.request.v1',
  'member.xref.v1',
  'patient.activity.v1',
  'person.event.v1',
  'roster.member.v1',
];

/** Every place in a schema that must carry a doc: records, enums, fields (recursively). */
function undocumented(schema: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => undocumented(s, `${at}|${i}`, out));
    return out;
  }
  if (schema === null || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  if ((s.type === 'record' || s.type === 'enum') && typeof s.doc !== 'string') out.push(`${at} (${s.type})`);
  if (s.type === 'record') {
    for (const f of s.fields as Record<string, unknown>[]) {
      if (typeof f.doc !== 'string' || f.doc.length < 5) out.push(`${at}.${String(f.name)}`);
      undocumented(f.type, `${at}.${String(f.name)}`, out);
    }
  }
  if (s.type === 'array') undocumented(s.items, `${at}[]`, out);
  if (s.type === 'map') undocumented(s.values, `${at}{}`, out);
  return out;
}

/** Every union that contains null must list null first and default to null (backward-safe). */
function badNullables(schema: unknown, at: string, out: string[] = []): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return out;
  const s = schema as Record<string, unknown>;
  if (s.type === 'record') {
    for (const f of s.fields as Record<string, unknown>[]) {
      const p = `${at}.${String(f.name)}`;
      if (Array.isArray(f.type) && f.type.includes('null') && (f.type[0] !== 'null' || f.default !== null))
        out.push(p);
      const inner = Array.isArray(f.type) ? f.type : [f.type];
      inner.forEach((t) => badNullables(t, p, out));
    }
  }
  if (s.type === 'array') badNullables(s.items, `${at}[]`, out);
  return out;
}

describe('schema files', () => {
  let schemas: Map<string, Record<string, unknown>>;
  beforeAll(async () => {
    schemas = await loadSchemas();
  });

  it('has one schema per topic, named after the topic', () => {
    expect([...schemas.keys()]).toEqual(TOPICS);
  });

  it.each(TOPICS)('%s parses with avsc, namespace org.gapstream.v1, stable record name', (topic) => {
    const schema = schemas.get(topic) as Record<string, unknown>;
    const type = createAvroType(schema as unknown as Schema);
    const expected: Record<string, string> = {
      'hl7.raw.v1': 'Hl7Raw',
      'claim.line.v1': 'ClaimLine',
      'roster.member.v1': 'RosterMember',
      'deadletter.v1': 'DeadLetter',
      'dq.event.v1': 'DataQualityEvent',
      'clinical.event.v1': 'ClinicalEvent',
      'patient.activity.v1': 'PatientActivity',
      'member.xref.v1': 'MemberXref',
      'file.manifest.v1': 'FileManifest',
      'identity.link.v1': 'IdentityLink',
      'identity.request.v1': 'IdentityRequest',
      'person.event.v1': 'PersonEvent',
      'gap.change.v1': 'GapChange',
      'attribution.change.v1': 'AttributionChange',
      'care.transfer.v1': 'CareTransfer',
    };
    expect(type.name).toBe(`org.gapstream.v1.${expected[topic]}`);
  });

  it.each(TOPICS)('%s documents every record, enum and field', (topic) => {
    expect(undocumented(schemas.get(topic), topic)).toEqual([]);
  });

  it.each(TOPICS)('%s: optional fields are ["null", T] with default null', (topic) => {
    expect(badNullables(schemas.get(topic), topic)).toEqual([]);
  });

  it('money is an Avro decimal(12,2) on bytes, not a float', async () => {
    const raw = JSON.parse(await readFile(path.join(SCHEMA_DIR, 'claim.line.v1.avsc'), 'utf8')) as {
      fields: { name: string; type: unknown }[];
    };
    for (const name of ['allowedAmount', 'paidAmount']) {
      const f = raw.fields.find((x) => x.name === name);
      expect(f?.type).toEqual(['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }]);
    }
  });
});

describe('local codec', () => {
  let codec: Codec;
  beforeAll(async () => {
    codec = await createLocalCodec();
  });

  it.each(TOPICS)('round-trips a realistic %s value', async (topic) => {
    const value = EXAMPLES[topic as keyof typeof EXAMPLES];
    const bytes = await codec.encode(topic, value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(codec.schemaId(topic));
    expect(await codec.decode(topic, bytes)).toEqual(value);
  });

  it('encodes values larger than its 64 KiB scratch buffer, and a small one after them, intact', async () => {
    const base = EXAMPLES['hl7.raw.v1'] as Record<string, unknown>;
    const field = Object.keys(base).find((k) => Buffer.isBuffer(base[k]))!;
    for (const size of [200_000, 70_000, 10]) {
      const value = { ...base, [field]: Buffer.alloc(size, size % 251) };
      expect(await codec.decode('hl7.raw.v1', codec.encodeSync('hl7.raw.v1', value))).toEqual(value);
    }
  });

  it('assigns deterministic ids: the same in a second codec instance, distinct per topic', async () => {
    const other = await createLocalCodec();
    const ids = TOPICS.map((t) => codec.schemaId(t));
    expect(TOPICS.map((t) => other.schemaId(t))).toEqual(ids);
    expect(new Set(ids).size).toBe(TOPICS.length);
    for (const id of ids) expect(id).toBeGreaterThan(0);
  });

  it('keeps decimals exact and fills defaults for omitted optional fields', async () => {
    const bytes = await codec.encode('claim.line.v1', {
      sourceFile: 'f.csv',
      lineNumber: 1,
      sourceFormat: 'PAYER_CSV',
      claimId: 'C1',
      memberId: 'M1',
      memberIdType: 'PAYER_MEMBER_ID',
      allowedAmount: '0.1',
      paidAmount: '-9999999999.99',
    });
    const v = await codec.decode<Record<string, unknown>>('claim.line.v1', bytes);
    expect(v.allowedAmount).toBe('0.10');
    expect(v.paidAmount).toBe('-9999999999.99');
    expect(v.procedureModifiers).toEqual([]);
    expect(v.fromDate).toBeNull();
  });

  it('property: any valid claim line round-trips unchanged', async () => {
    const code = fc.stringMatching(/^[A-Z0-9]{1,7}$/);
    const date = fc
      .integer({
        min: isoDateToEpochDays('1900-01-01') as number,
        max: isoDateToEpochDays('2099-12-31') as number,
      })
      .map(epochDaysToIsoDate);
    const money = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999_999n })).map(([neg, n]) => {
      const s = n.toString().padStart(3, '0');
      return `${neg && n !== 0n ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
    });
    const claimLine = fc.record({
      sourceFile: fc.string({ minLength: 1, maxLength: 40 }),
      sourceFileSha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
      // avsc longs are JS numbers limited to ±(2^53 - 2) (lib/types.js isSafeLong), one short of MAX_SAFE_INTEGER.
      lineNumber: fc.integer({ min: 1, max: 2 ** 53 - 2 }),
      sourceFormat: fc.constantFrom('CCLF1', 'CCLF2', 'CCLF5', 'CCLF9', 'X12_837P', 'X12_837I', 'PAYER_CSV'),
      claimId: fc.string({ minLength: 1, maxLength: 20 }),
      claimLineNumber: fc.option(fc.integer({ min: 1, max: 999 }), { nil: null }),
      claimControlNumber: fc.option(fc.string(), { nil: null }),
      claimTypeCode: fc.option(fc.constantFrom('10', '40', '60', '71', '72'), { nil: null }),
      adjustmentTypeCode: fc.option(fc.constantFrom('0', '1', '2'), { nil: null }),
      claimEffectiveDate: fc.option(date, { nil: null }),
      frequencyCode: fc.option(fc.constantFrom('1', '7', '8'), { nil: null }),
      memberId: fc.string({ minLength: 1, maxLength: 20 }),
      memberIdType: fc.constantFrom('MBI', 'HICN', 'PAYER_MEMBER_ID', 'MRN', 'OTHER'),
      fromDate: fc.option(date, { nil: null }),
      thruDate: fc.option(date, { nil: null }),
      serviceFromDate: fc.option(date, { nil: null }),
      serviceThruDate: fc.option(date, { nil: null }),
      placeOfService: fc.option(fc.stringMatching(/^\d{2}$/), { nil: null }),
      procedureCode: fc.option(code, { nil: null }),
      procedureModifiers: fc.array(fc.stringMatching(/^[A-Z0-9]{2}$/), { maxLength: 5 }),
      diagnosisCodes: fc.array(code, { maxLength: 12 }),
      icdProcedureCodes: fc.array(code, { maxLength: 3 }),
      revenueCode: fc.option(fc.stringMatching(/^\d{4}$/), { nil: null }),
      ndcCode: fc.option(fc.stringMatching(/^\d{11}$/), { nil: null }),
      renderingNpi: fc.option(fc.stringMatching(/^\d{10}$/), { nil: null }),
      billingNpi: fc.option(fc.stringMatching(/^\d{10}$/), { nil: null }),
      billingTin: fc.option(fc.stringMatching(/^\d{9}$/), { nil: null }),
      billingCcn: fc.option(fc.stringMatching(/^\w{6}$/), { nil: null }),
      providerSpecialtyCode: fc.option(fc.stringMatching(/^\w{2}$/), { nil: null }),
      nonPaymentReasonCode: fc.option(fc.stringMatching(/^\w{1,2}$/), { nil: null }),
      allowedAmount: fc.option(money, { nil: null }),
      paidAmount: fc.option(money, { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(claimLine, async (line) => {
        const decoded = await codec.decode('claim.line.v1', await codec.encode('claim.line.v1', line));
        expect(decoded).toEqual(line);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an invalid value with a BadRecordError naming the field path, never the value', async () => {
    const secretName = 'ZEBULON-SECRET-NAME';
    const bad = {
      ...EXAMPLES['clinical.event.v1'],
      patientIdentifiers: [{ value: 12345, assigningAuthority: secretName, idType: 'MR' }],
      recordedAt: 'yesterday',
    };
    const err = await codec.encode('clinical.event.v1', bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRecordError);
    const e = err as BadRecordError;
    expect(e.code).toBe(CodecErrorCode.VALIDATION);
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('clinical.event.v1');
    expect(e.message).toContain('patientIdentifiers[0].value');
    expect(e.message).toContain('recordedAt');
    expect(e.message).not.toContain(secretName);
    expect(e.message).not.toContain('yesterday');
    expect(e.message).not.toContain('12345');
  });

  it('names undeclared fields (typos) and bad nested logical values', async () => {
    const bad = { ...EXAMPLES['roster.member.v1'], birthdate: '1958-04-12', termDate: '2024-02-30' };
    await expect(codec.encode('roster.member.v1', bad)).rejects.toThrow(
      /birthdate \(not declared.*termDate \(expected/s,
    );
    await expect(
      codec.encode('claim.line.v1', { ...EXAMPLES['claim.line.v1'], paidAmount: 100.57 }),
    ).rejects.toThrow(/paidAmount \(expected one of null \| decimal/);
    await expect(
      codec.encode('claim.line.v1', { ...EXAMPLES['claim.line.v1'], paidAmount: '12345678901.00' }),
    ).rejects.toThrow(/paidAmount/);
  });

  it('clinicalPayload() builds the wrapped union branch from the event kind', async () => {
    const ex = EXAMPLES['clinical.event.v1'];
    const payload = clinicalPayload('OBSERVATION', ex.payload['org.gapstream.v1.ObservationPayload']);
    expect(payload).toEqual(ex.payload);
    const patient = { ...ex, kind: 'PATIENT', payload: clinicalPayload('PATIENT', { familyName: 'DOE' }) };
    const decoded = await codec.decode<{ payload: Record<string, Record<string, unknown>> }>(
      'clinical.event.v1',
      await codec.encode('clinical.event.v1', patient),
    );
    expect(decoded.payload['org.gapstream.v1.PatientPayload']).toMatchObject({
      familyName: 'DOE',
      givenName: null,
    });
  });

  it('requires the wrapped form for the clinical payload union', async () => {
    const bad = {
      ...EXAMPLES['clinical.event.v1'],
      payload: { code: { system: 'LN', code: 'x', display: null } },
    };
    await expect(codec.encode('clinical.event.v1', bad)).rejects.toThrow(/payload \(expected one of record/);
  });

  it.each([
    ['empty', Buffer.alloc(0), CodecErrorCode.WIRE_TRUNCATED],
    ['short', Buffer.from([0, 0, 0]), CodecErrorCode.WIRE_TRUNCATED],
    ['JSON text', Buffer.from('{"claimId":"1"}'), CodecErrorCode.WIRE_MAGIC],
    ['magic byte 1', Buffer.from([1, 0, 0, 0, 1, 2]), CodecErrorCode.WIRE_MAGIC],
    ['unknown id', frame(7, Buffer.from([2, 0x41])), CodecErrorCode.UNKNOWN_ID],
  ])('decode of garbage (%s) gives BadRecordError %s', async (_name, bytes, code) => {
    const err = await codec.decode('claim.line.v1', bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRecordError);
    expect((err as BadRecordError).code).toBe(code);
  });

  it('decode of a truncated or padded body gives BadRecordError SCHEMA_AVRO_DECODE', async () => {
    const good = await codec.encode('claim.line.v1', EXAMPLES['claim.line.v1']);
    for (const bytes of [good.subarray(0, good.length - 4), Buffer.concat([good, Buffer.from([0])])]) {
      await expect(codec.decode('claim.line.v1', bytes)).rejects.toMatchObject({
        name: 'BadRecordError',
        code: CodecErrorCode.AVRO_DECODE,
      });
    }
  });

  it("decode of another topic's value gives BadRecordError SCHEMA_INCOMPATIBLE_WRITER", async () => {
    const dl = await codec.encode('deadletter.v1', EXAMPLES['deadletter.v1']);
    await expect(codec.decode('claim.line.v1', dl)).rejects.toMatchObject({
      name: 'BadRecordError',
      code: CodecErrorCode.INCOMPATIBLE_WRITER,
    });
  });

  it('an unknown topic is a programming error, not a bad record', async () => {
    const err = await codec.encode('nope.v1', {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GapstreamError);
    expect(err).not.toBeInstanceOf(BadRecordError);
    expect((err as GapstreamError).code).toBe(CodecErrorCode.UNKNOWN_TOPIC);
  });

  it('reads values written with an older schema kept under history/ (backward evolution)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gapstream-schemas-'));
    const v1 = {
      type: 'record',
      name: 'Thing',
      namespace: 'org.gapstream.v1',
      doc: 'test',
      fields: [{ name: 'id', type: 'string', doc: 'id' }],
    };
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null, doc: 'added later' }],
    };
    await writeFile(path.join(dir, 'thing.v1.avsc'), JSON.stringify(v1));
    const oldCodec = await createLocalCodec({ dir });
    const written = await oldCodec.encode('thing.v1', { id: 'a' });

    await writeFile(path.join(dir, 'thing.v1.avsc'), JSON.stringify(v2));
    const newWithoutHistory = await createLocalCodec({ dir });
    await expect(newWithoutHistory.decode('thing.v1', written)).rejects.toMatchObject({
      code: CodecErrorCode.UNKNOWN_ID,
    });

    await mkdir(path.join(dir, 'history'));
    await writeFile(path.join(dir, 'history', 'thing.v1@1.avsc'), JSON.stringify(v1));
    const newCodec = await createLocalCodec({ dir });
    expect(await newCodec.decode('thing.v1', written)).toEqual({ id: 'a', note: null });
  });
});

describe('logical types', () => {
  it('dates: calendar-checked ISO strings', () => {
    expect(isoDateToEpochDays('1970-01-01')).toBe(0);
    expect(isoDateToEpochDays('2024-02-29')).toBe(19782);
    expect(isoDateToEpochDays('2023-02-29')).toBeUndefined();
    expect(isoDateToEpochDays('2024-1-01')).toBeUndefined();
    expect(epochDaysToIsoDate(-1)).toBe('1969-12-31');
  });

  it('dates: the arithmetic conversion agrees with the Date calendar on any string of that shape', () => {
    // Oracle: Date.UTC plus a round trip (what the conversion did before it was made fast).
    const viaDate = (v: string): number | undefined => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      if (!m) return undefined;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
      const back = new Date(0);
      back.setUTCFullYear(y, mo - 1, d);
      const ok = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
      return ok ? back.getTime() / 86_400_000 : undefined;
    };
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const v = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          expect(isoDateToEpochDays(v)).toBe(viaDate(v));
        },
      ),
      { numRuns: 20_000 },
    );
    for (const bad of ['2024-02-3a', '2024/02/03', ' 2024-02-03', '2024-02-031', '+024-02-03'])
      expect(isoDateToEpochDays(bad)).toBeUndefined();
    // Years below 100 (a CCLF field may say 0050-01-01) encode and decode back unchanged.
    expect(epochDaysToIsoDate(isoDateToEpochDays('0050-01-01')!)).toBe('0050-01-01');
  });

  it('decimals: the double fast path and the BigInt path write the same bytes', () => {
    const type = createAvroType({
      type: 'record',
      name: 'D',
      fields: [{ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 16, scale: 2 } }],
    });
    // Oracle: minimal big-endian two's complement of the unscaled value, computed with BigInt.
    const oracle = (unscaled: bigint): Buffer => {
      let bytes = 1;
      while (unscaled < -(1n << BigInt(bytes * 8 - 1)) || unscaled >= 1n << BigInt(bytes * 8 - 1)) bytes++;
      const hex = BigInt.asUintN(bytes * 8, unscaled)
        .toString(16)
        .padStart(bytes * 2, '0');
      return Buffer.from(hex, 'hex');
    };
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 16n) + 1n, max: 10n ** 16n - 1n }), (unscaled) => {
        const abs = unscaled < 0n ? -unscaled : unscaled;
        const text = `${unscaled < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
        const buf = type.toBuffer({ amount: text });
        // Skip the length prefix (a zigzag varint: one byte for these sizes).
        expect(buf.subarray(1)).toEqual(oracle(unscaled));
        expect(type.fromBuffer(buf)).toEqual({ amount: text === '-0.00' ? '0.00' : text });
      }),
      { numRuns: 5_000 },
    );
  });

  it("decimal bytes are the Avro two's-complement encoding (interoperable with Java BigDecimal)", () => {
    const type = createAvroType({
      type: 'record',
      name: 'D',
      fields: [{ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } }],
    });
    // -1.00 = unscaled -100 = 0x9c in one byte; bytes are length-prefixed (zigzag 1 -> 0x02).
    expect(type.toBuffer({ amount: '-1.00' })).toEqual(Buffer.from([0x02, 0x9c]));
    // 1.28 = unscaled 128 = 0x00 0x80 (needs the sign byte).
    expect(type.toBuffer({ amount: '1.28' })).toEqual(Buffer.from([0x04, 0x00, 0x80]));
    expect(type.fromBuffer(Buffer.from([0x04, 0xff, 0x7f]))).toEqual({ amount: '-1.29' });
  });
});
