import type { EdmsAdapter } from '../edms/adapter';
import type { MailSender } from '../exchange/smtp';
import type { PrismaClient } from '../prisma/client';
import type { OrganizationConfig, SevConfig } from '../workers/config';

/** Exchange rules of this organization (flexible rules per participant come later). */
export interface ExchangeRules {
  /** What happens to a business duplicate: a person decides, or it is refused with a Failure report. */
  businessDuplicate: 'manual' | 'refuse';
}

export interface ActivityDeps {
  config: SevConfig;
  organization: OrganizationConfig;
  db: PrismaClient;
  edms: EdmsAdapter;
  mail: MailSender;
  rules: ExchangeRules;
}
