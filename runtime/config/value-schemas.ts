import { z } from 'zod';

/**
 * Value schemas shared by every component's setting table: settings arrive as strings (the
 * environment, or a config file value), so each schema parses text.
 */
export const boolSetting = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));
export const portSetting = z.coerce.number().int().min(0).max(65535);
export const positiveIntSetting = z.coerce.number().int().min(1);
export const nonEmptySetting = z.string().min(1);
export const httpUrlSetting = z.url({ protocol: /^https?$/ });

/** A comma-separated list whose every (trimmed, non-empty) item matches `item`. */
export function listSetting(item: RegExp): z.ZodType<string[]> {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .refine((xs) => xs.length > 0 && xs.every((x) => item.test(x)));
}
