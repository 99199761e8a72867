// Tests that build packages by hand sign them the way SEV does: the passport's detached signature
// (`<passport>.sig`) made with the sending organization's current key.
import { signDetached } from '../../security/cms';
import { keyStoreFor } from '../../security/organization-keys';
import type { OrganizationConfig, SevConfig } from '../../workers/config';

/** The attachments with the passport's signature made anew for `passport` (added when absent). */
export async function withPassportSignature(
  config: SevConfig,
  org: OrganizationConfig,
  passport: { name: string; content: Buffer },
  attachments: { name: string; content: Buffer }[],
): Promise<{ name: string; content: Buffer }[]> {
  const key = await keyStoreFor(config, org).current();
  if (!key) throw new Error(`no key for ${org.id}: the stack gives one to each organization`);
  const name = `${passport.name}.sig`;
  const signature = { name, content: await signDetached(passport.content, key.keyPem, key.certPem) };
  return [...attachments.filter((a) => a.name !== name), signature];
}
