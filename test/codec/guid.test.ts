import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newGuid, normalizeGuid } from '../../codec/guid';

test('new GUIDs are 32 upper-case hex digits and unique', () => {
  const a = newGuid();
  assert.match(a, /^[0-9A-F]{32}$/);
  assert.notEqual(a, newGuid());
});

test('both GUID forms normalize to 32 upper-case hex digits', () => {
  assert.equal(normalizeGuid('39537343acd64107b4036f7b96e4c2df'), '39537343ACD64107B4036F7B96E4C2DF');
  assert.equal(normalizeGuid('07039F56-C232-46CF-8BE9-ED6CDBAB7AC5'), '07039F56C23246CF8BE9ED6CDBAB7AC5');
  assert.equal(normalizeGuid(' 48cbc572-5d00-4289-bedb-827dc2ab20a9 '), '48CBC5725D004289BEDB827DC2AB20A9');
});

test('anything else is not a GUID', () => {
  for (const s of ['', '0', 'not-a-guid', '39537343acd64107b4036f7b96e4c2d', '39537343acd64107b4036f7b96e4c2dff', '3953-7343acd6-4107-b403-6f7b96e4c2df', '{07039F56-C232-46CF-8BE9-ED6CDBAB7AC5}', 'G7039F56C23246CF8BE9ED6CDBAB7AC5']) {
    assert.equal(normalizeGuid(s), undefined, s);
  }
});
