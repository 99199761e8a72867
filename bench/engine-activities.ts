// The bare engine's activity: returns at once.
export async function step(id: string, n: number): Promise<string> {
  return `${id}:${n}`;
}
