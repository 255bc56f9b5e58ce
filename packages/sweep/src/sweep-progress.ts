import { trialNumber } from './sweep-files';

/** `trial-002` of 4 → `2/4` */
export function stepsOf(id: string, total: number): string {
  return `${trialNumber(id) ?? id}/${total}`;
}
