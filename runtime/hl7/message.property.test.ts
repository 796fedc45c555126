// The property test: random valid messages built with escapes and repetitions parse
// back to the same field values, and survive toString() → parse again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSegment, parseHl7, type Hl7Delimiters } from './message.ts';

const delimiterSets: Hl7Delimiters[] = [
  { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' },
  { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '#' },
  { field: '*', component: '%', repetition: '$', escape: '!', subcomponent: '@' },
];

// Text that likes delimiter characters, escape-looking sequences, CR/LF and non-ASCII.
const piece = fc.oneof(
  fc.constantFrom(
    '|',
    '^',
    '~',
    '\\',
    '&',
    '#',
    '*',
    '%',
    '$',
    '!',
    '@',
    '\r',
    '\n',
    '\\F\\',
    '\\.br\\',
    '\\X41\\',
    '""x',
    'é',
    '山',
  ),
  fc.string({ minLength: 1, maxLength: 6 }),
);
const value = fc
  .array(piece, { minLength: 1, maxLength: 5 })
  .map((xs) => xs.join(''))
  .filter((v) => v !== '' && v !== '""');
const subs = fc.array(value, { minLength: 1, maxLength: 3 });
const comps = fc.array(subs, { minLength: 1, maxLength: 4 });
const reps = fc.array(comps, { minLength: 1, maxLength: 3 });
const segName = fc.constantFrom('PID', 'OBX', 'ZXY', 'NK1', 'PV1');
const segment = fc.record({
  name: segName,
  fields: fc.array(fc.option(reps, { nil: undefined }), { maxLength: 8 }),
});

describe('property: escape → parse round trip', () => {
  it('parses back the same field values, also after toString()', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...delimiterSets),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        (d, segs) => {
          const lines = [
            formatSegment(
              'MSH',
              ['APP', 'FAC', 'R', 'F', '20240101', undefined, [[['ADT'], ['A01']]], 'ID1', 'P', '2.7'],
              d,
            ),
          ];
          for (const s of segs) lines.push(formatSegment(s.name, s.fields, d));
          const text = lines.join('\r');
          const once = parseHl7(text);
          const twice = parseHl7(once.toString());
          for (const m of [once, twice]) {
            expect(m.delimiters).toEqual(d);
            expect(m.get('MSH-9')).toBe('ADT');
            expect(m.get('MSH-10')).toBe('ID1');
            segs.forEach((s, i) => {
              const seg = m.segments[i + 1];
              expect(seg?.name).toBe(s.name);
              s.fields.forEach((f, fi) => {
                const field = seg!.field(fi + 1);
                if (f === undefined) {
                  expect(field.isEmpty()).toBe(true);
                  return;
                }
                expect(field.repetitions.map((r) => r.components)).toEqual(f);
                f.forEach((rep, ri) =>
                  rep.forEach((comp, ci) =>
                    comp.forEach((sv, si) =>
                      expect(field.repetitions[ri]?.subcomponent(ci + 1, si + 1)).toBe(sv),
                    ),
                  ),
                );
                expect(field.value()).toBe(f[0]?.[0]?.[0]);
              });
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
