import { createHash, randomBytes } from 'node:crypto';

/**
 * A new run's id: random, or derived from the client token, so a retried start finds the run its
 * first attempt created without a token item to look up.
 */
export function newRunId(experiment: string, clientToken?: string): string {
  if (clientToken === undefined) return randomBytes(16).toString('hex');
  return createHash('sha256').update(`${experiment}\n${clientToken}`).digest('hex').slice(0, 32);
}
