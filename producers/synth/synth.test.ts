/**
 * The written files: byte-identical for the same seed, and accepted by the project's own
 * parsers with no problem at all: HL7 through the file intake's split and batch-count check,
 * the listener's message check and the normalizer (zero data-quality events); CCLF, 837P and
 * the roster through the claims front door (producers/claims/read-file.ts) with the payer
 * mappings of payers/.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeClinicalEvent } from '../../processors/identity/route.ts';
import { loadFeedProfiles, normalizeBytes } from '../../processors/normalize/index.ts';
import { loadPayerMappings } from '../claims/mapping/index.ts';
import { readClaimsFile } from '../claims/read-file.ts';
import { defaultMllpSettings } from '../mllp/config.ts';
import { checkMessage, findMsh } from '../mllp/message.ts';
import { splitHl7Bytes, splitHl7Messages } from '../../runtime/hl7/index.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { generateMembers } from './member.ts';
import type { SynthMember } from './types.ts';
import { generatePopulation, writePopulation, type WriteSummary } from './write.ts';

const ROOT = join(import.meta.dirname, '../..');
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gapstream-synth-'));
  dirs.push(d);
  return join(d, 'out');
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of readdirSync(dir).sort())
    for (const f of readdirSync(join(dir, sub)).sort())
      out[`${sub}/${f}`] = createHash('sha256')
        .update(readFileSync(join(dir, sub, f)))
        .digest('hex');
  return out;
}

describe('determinism', () => {
  it('same seed and options: byte-identical files; another seed: other files', async () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    await writePopulation(generatePopulation({ members: 300, seed: 7 }), a);
    await writePopulation(generatePopulation({ members: 300, seed: 7 }), b);
    await writePopulation(generatePopulation({ members: 300, seed: 8 }), c);
    const ha = hashTree(a);
    expect(Object.keys(ha).length).toBeGreaterThan(8);
    expect(hashTree(b)).toEqual(ha);
    const hc = hashTree(c);
    expect(hc['truth/gaps.csv']).not.toBe(ha['truth/gaps.csv']);
  });

  it('a member is the same whatever else is generated (member i of N and of N + k)', () => {
    const small = [...generateMembers({ members: 50, seed: 3 })];
    const large = [...generateMembers({ members: 80, seed: 3 })].slice(0, 50);
    expect(JSON.stringify(large)).toBe(JSON.stringify(small));
  });

  it('refuses a directory that is not empty', async () => {
    const a = tempDir();
    await writePopulation(generatePopulation({ members: 5, seed: 1 }), a);
    await expect(writePopulation(generatePopulation({ members: 5, seed: 1 }), a)).rejects.toThrow(
      /not empty/,
    );
  });
});

describe('every file is accepted by the project parsers (600 members)', () => {
  let dir: string;
  let summary: WriteSummary;
  let members: SynthMember[];

  beforeAll(async () => {
    dir = tempDir();
    summary = await writePopulation(generatePopulation({ members: 600, seed: 11 }), dir);
    members = [...generateMembers({ members: 600, seed: 11 })];
  });

  it('writes the layout described in write.ts', () => {
    const claims = readdirSync(join(dir, 'claims'));
    for (const n of [1, 2, 4, 5, 8]) expect(claims).toContain(`P.A1234.ACO.ZC${n}Y26.D261125.T1200000`);
    expect(claims).toContain('EXH_ROSTER_20261101.csv');
    expect(claims.some((f) => /^EXH_837P_20261125_\d{4}\.x12$/.test(f))).toBe(true);
    const hl7 = readdirSync(join(dir, 'hl7'));
    expect(hl7.some((f) => f.startsWith('NORTHCLINIC_ADT_'))).toBe(true);
    expect(hl7.some((f) => f.startsWith('NORTHCLINIC_ORU_'))).toBe(true);
    expect(readdirSync(join(dir, 'truth')).sort()).toEqual(['README.md', 'gaps.csv', 'members.csv']);
    expect(summary.members).toBe(600);
  });

  it('claims and roster: detected format, zero problems, every record there', async () => {
    const mappings = await loadPayerMappings(join(ROOT, 'payers'));
    const counts: Record<string, number> = {};
    for (const f of readdirSync(join(dir, 'claims'))) {
      const problems: unknown[] = [];
      const topics: string[] = [];
      for await (const item of readClaimsFile(join(dir, 'claims', f), { mappings })) {
        if (item.type === 'line') {
          problems.push(...item.problems);
          for (const r of item.records) topics.push(r.topic);
        } else if (item.type === 'unit-end') {
          // The summary names the format as parsed (CCLFn, X12_837P, the payer mapping).
          problems.push(...item.summary.problems);
          for (const t of topics)
            counts[`${item.summary.format}:${t}`] = (counts[`${item.summary.format}:${t}`] ?? 0) + 1;
          topics.length = 0;
        } else if (item.type === 'file-problem') problems.push(item.problem);
      }
      expect({ file: f, problems }).toEqual({ file: f, problems: [] });
    }
    // What the members say should be there.
    let cclf5 = 0;
    let x12 = 0;
    let hospice = 0;
    let dx4 = 0;
    for (const m of members)
      for (const r of m.records)
        if (r.type === 'claim' && r.kind === 'professional') {
          if (m.mbi !== null) cclf5 += r.lines.length;
          else x12 += r.lines.length;
        } else if (r.type === 'claim') {
          hospice++;
          dx4 += r.dx.length;
        }
    const medicare = members.filter((m) => m.mbi !== null).length;
    const roster = members.filter((m) => m.records.some((r) => r.type === 'roster')).length;
    expect(hospice).toBeGreaterThan(0);
    expect(counts).toEqual({
      'CCLF1:claim.line.v1': hospice,
      'CCLF2:claim.line.v1': hospice,
      'CCLF4:claim.line.v1': dx4,
      'CCLF5:claim.line.v1': cclf5,
      'CCLF8:roster.member.v1': medicare,
      'X12_837P:claim.line.v1': x12,
      'PAYER_CSV:example-commercial-roster:roster.member.v1': roster,
    });
  });

  it('HL7: batches count right, the listener accepts each message, the normalizer emits every event and no DQ event', () => {
    const profiles = loadFeedProfiles(join(ROOT, 'feeds'));
    const settings = defaultMllpSettings();
    const kinds: Record<string, number> = {};
    let messages = 0;
    let withMbi = 0;
    const ctx = { source: { topic: 'clinical.event.v1', partition: 0, offset: 0 } } as unknown as StepContext;
    for (const f of readdirSync(join(dir, 'hl7'))) {
      const bytes = readFileSync(join(dir, 'hl7', f));
      const split = splitHl7Messages(bytes.toString('latin1'));
      const parts = splitHl7Bytes(bytes).messages;
      expect(parts.length).toBe(split.messages.length);
      if (f.includes('_ADT_')) expect(splitHl7Bytes(bytes).batch?.batches).toBe(1);
      for (const b of parts) {
        messages++;
        expect(checkMessage(b, findMsh(b), settings, settings.defaultCharset)).toBeNull();
        const r = normalizeBytes(b, profiles, {
          idPrefix: `${f}#${messages}`,
          topic: null,
          partition: null,
          offset: null,
          timestamp: 0,
          receivedAt: null,
        });
        expect(r.profile.id).toBe('northclinic-epic');
        expect(r.dq.map((d) => `${d.value.rule} ${d.value.location}`)).toEqual([]);
        for (const e of r.events) {
          kinds[e.value.kind] = (kinds[e.value.kind] ?? 0) + 1;
          if (e.value.kind === 'PATIENT') {
            const out = routeClinicalEvent(e.value, ctx);
            const obs = (
              out[0]!.value as {
                observation: { primary: { type: string }; others: { type: string; system: string }[] };
              }
            ).observation;
            expect(obs.primary.type).toBe('MR');
            if (obs.others.some((o) => o.type === 'MBI' && o.system === 'CMS')) withMbi++;
          }
        }
      }
    }
    expect(messages).toBe(summary.hl7Messages);
    // Count what the records hold.
    const want: Record<string, number> = {
      PATIENT: 0,
      ENCOUNTER: 0,
      DIAGNOSIS: 0,
      PROCEDURE: 0,
      OBSERVATION: 0,
      COVERAGE: 0,
    };
    let mbiMessages = 0;
    for (const m of members)
      for (const r of m.records) {
        if (r.type !== 'hl7') continue;
        want.PATIENT!++;
        if (r.withMbi) mbiMessages++;
        if (r.visit !== null && r.trigger !== 'ORU^R01') want.ENCOUNTER!++;
        want.DIAGNOSIS! += r.diagnoses.length;
        want.PROCEDURE! += r.procedures.length + r.orders.filter((o) => o.section === 'MG').length;
        want.OBSERVATION! += r.orders.reduce((a, o) => a + o.results.length, 0);
        if (r.coverage) want.COVERAGE!++;
      }
    expect(kinds).toEqual(want);
    expect(withMbi).toBe(mbiMessages);
    expect(withMbi).toBeGreaterThan(0);
  });

  it('HL7 covers every member (an A04 each) and puts the MBI in PID-3 for about 70% of Medicare members', () => {
    let medicare = 0;
    let mbi = 0;
    for (const m of members) {
      expect(m.records.some((r) => r.type === 'hl7' && r.trigger === 'ADT^A04')).toBe(true);
      if (m.mbi === null) continue;
      medicare++;
      if (m.records.some((r) => r.type === 'hl7' && r.withMbi)) mbi++;
    }
    expect(mbi / medicare).toBeGreaterThan(0.6);
    expect(mbi / medicare).toBeLessThan(0.8);
  });
});
