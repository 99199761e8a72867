import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dovecotUsers, mergeMailboxes, parseDovecotUsers, type Mailbox } from '../../stack/mail-config';

const box = (id: string): Mailbox => ({ login: `sev-${id}`, address: `sev-${id}@sev.localhost`, password: `${id}-pw`, home: `/var/lib/sev/mail/mailboxes/sev-${id}` });

test('the users file reads back as the mailboxes it was written from', () => {
  const boxes = [box('org-a'), box('org-b')];
  assert.deepEqual(parseDovecotUsers(dovecotUsers(boxes)), boxes);
});

test('a later configuration keeps the mailboxes served before and wins for its own', () => {
  const before = [box('org-a'), box('e2e-a')];
  const changed = { ...box('org-a'), password: 'new' };
  const merged = mergeMailboxes(before, [changed, box('org-b')]);
  assert.deepEqual(merged.map((b) => [b.address, b.password]), [
    ['sev-org-a@sev.localhost', 'new'],
    ['sev-org-b@sev.localhost', 'org-b-pw'],
    ['sev-e2e-a@sev.localhost', 'e2e-a-pw'],
  ]);
});
