import { ID_PATTERN } from '../../services/kit';

const isId = (text: string) => new RegExp(ID_PATTERN).test(text);

describe('the id format', () => {
  it('takes a UUID in its canonical 8-4-4-4-12 spelling, in either case', () => {
    expect(isId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isId('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe(true);
  });

  it.each([
    ['with braces', '{0f8fad5b-d9cb-469f-a165-70867728950e}'],
    ['with a urn:uuid: prefix', 'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['without hyphens', '0f8fad5bd9cb469fa16570867728950e'],
    ['with text after it', '0f8fad5b-d9cb-469f-a165-70867728950e-x'],
    ['with a letter that is no hex digit', '0f8fad5b-d9cb-469f-a165-70867728950g'],
    ['empty', ''],
  ])('refuses a UUID %s: every service writes and reads the one canonical spelling', (_case, text) => {
    expect(isId(text)).toBe(false);
  });
});
