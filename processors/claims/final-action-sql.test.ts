import { describe, expect, it } from 'vitest';
import { bucketRowsSql, dropRunSql, intLiteral, latestRunsSql } from './final-action-sql.ts';

describe('final-action SQL', () => {
  it('inlines only generated non-negative safe integers', () => {
    expect(intLiteral(0)).toBe('0');
    expect(intLiteral(1_764_000_000_000_123)).toBe('1764000000000123');
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => intLiteral(bad)).toThrow(/safe integer/);
  });

  it('reads one bucket: claim rows joined to the run crosswalk, rolled forward for MBI/HICN only', () => {
    const sql = bucketRowsSql(1234, 8, 3);
    expect(sql).toContain('FROM claim_lines FINAL');
    expect(sql).toContain('toString(paid_amount) AS paid_amount_text');
    expect(sql).toContain('FROM claim_final_action_xref WHERE run_id = 1234');
    expect(sql).toContain("member_id_type IN ('MBI', 'HICN')");
    expect(sql).toMatch(/% 8 = 3$/);
    expect(() => bucketRowsSql(1234, 8, 8)).toThrow(/outside 0\.\.7/);
  });

  it('drops and lists runs by literal run id', () => {
    expect(dropRunSql('claim_final_action', 42)).toBe('ALTER TABLE claim_final_action DROP PARTITION 42');
    expect(latestRunsSql(2)).toMatch(/ORDER BY run_id DESC LIMIT 2$/);
  });
});
