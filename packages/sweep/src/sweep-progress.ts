/** `trial-002` of 4 → `2/4` */
export function stepsOf(id: string, total: number): string {
  return `${Number(id.replace(/^trial-0*/, '')) || id}/${total}`;
}
