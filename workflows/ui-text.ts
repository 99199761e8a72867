// Text shown in the Temporal Web UI (summaries, details, search attributes) comes partly from
// other organizations' passports: it is escaped, so it can never turn into links or markup, and
// cut to the server's limits (a 400-byte summary, 20 KB of details, 2 KB keywords), so that a
// long name can never make a workflow impossible to start. Pure: usable in workflows and workers.

/** Characters Cyrillic text may take 2 bytes each for: the server counts bytes. */
const LIMITS = { summary: 190, details: 9000, keyword: 200 } as const;

export function clip(text: string, kind: keyof typeof LIMITS): string {
  const max = LIMITS[kind];
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Markdown-inert text: every character Markdown or HTML could act on is escaped. */
export function plain(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}
