import type { EdmsAdapter } from '../edms/adapter';
import type { MailSender } from '../exchange/smtp';
import type { PrismaClient } from '../prisma/client';
import type { OrganizationConfig, SevConfig } from '../workers/config';

export type { ExchangeRules } from '../workers/config';

export interface ActivityDeps {
  config: SevConfig;
  organization: OrganizationConfig;
  db: PrismaClient;
  edms: EdmsAdapter;
  mail: MailSender;
}
